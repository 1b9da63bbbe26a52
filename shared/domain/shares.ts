import { tokenMatches } from './ids';
import type { Principal } from './principal';
import type { Session, Share } from './session';

/** The shares of a session that still hold at `now` (one past its expiry no longer admits anyone). */
export function activeShares(session: Pick<Session, 'shares'>, now: number): Share[] {
  return (session.shares ?? []).filter((s) => s.expiresAt === undefined || s.expiresAt > now);
}

/** The share that lets `principal` reach another's session: to them by name, or to a group of theirs. */
export function shareFor(
  session: Pick<Session, 'shares' | 'owner'>,
  principal: Principal,
  now: number,
): Share | undefined {
  if (session.owner === principal.user) return undefined;
  return activeShares(session, now).find(
    (s) =>
      (s.user !== undefined && s.user === principal.user) ||
      (s.group !== undefined && !!principal.groups?.includes(s.group)),
  );
}

/**
 * Whom a presented router token admits to a session: its owner (`owner`), the grantee of an
 * active share (the share's id), or nobody.
 */
export function admittedBy(
  session: Pick<Session, 'tokenHash' | 'shares'>,
  token: string,
  now: number,
): string | undefined {
  if (tokenMatches(token, session.tokenHash)) return 'owner';
  return activeShares(session, now).find((s) => tokenMatches(token, s.tokenHash))?.id;
}

/** A share's grantee as the share index keys it: `user:<name>` or `group:<name>`. */
export function granteeKey(share: Pick<Share, 'user' | 'group'>): string {
  return share.user !== undefined ? `user:${share.user}` : `group:${share.group}`;
}

/** Every grantee key a share to `principal` may carry: their name, and each of their groups. */
export function granteeKeysOf(principal: Pick<Principal, 'user' | 'groups'>): string[] {
  return [`user:${principal.user}`, ...(principal.groups ?? []).map((g) => `group:${g}`)];
}
