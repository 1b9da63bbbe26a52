/**
 * Sign-ins that were ended: the portal's cookie is signed and stateless, so a sign-out is kept
 * here (by the cookie's own random id, until the cookie would have expired) and a replayed cookie
 * is refused.
 */
export interface SignOuts {
  /** Records that the sign-in `id` ended; kept at least until `untilMs`. */
  revoke(id: string, untilMs: number): Promise<void>;
  /** Whether the sign-in `id` was ended. */
  isRevoked(id: string): Promise<boolean>;
}
