export interface IdempotencyClaim {
  owner: string;
  key: string;
  /** Hash of the canonical request, to tell a retry from a different request. */
  requestHash: string;
  sessionId: string;
}

/** Remembers which session an (owner, Idempotency-Key) launched, for a while. */
export interface IdempotencyStore {
  /** Records the claim unless (owner, key) is taken; returns the existing claim then. */
  claim(claim: IdempotencyClaim, ttlSeconds: number): Promise<IdempotencyClaim | undefined>;
  /** Forgets a claim whose launch was refused, so the key can be used again. */
  forget(claim: IdempotencyClaim): Promise<void>;
}
