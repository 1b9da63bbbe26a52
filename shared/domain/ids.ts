import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** 128 random bits as 32 lower-case hex digits: trame clients lower-case the whole sessionURL. */
export function newSessionId(): string {
  return randomBytes(16).toString('hex');
}

/** A random token: 160 bits, lower-case hex. */
export function newToken(): string {
  return randomBytes(20).toString('hex');
}

/**
 * A session's access token (`token`) or app secret (`secret`): HMAC-SHA-256 of the session id
 * under the deployment's key, 160 bits of lower-case hex. Derived, not stored: the API can give
 * the owner the same values again (an idempotent retry, a GET), while the store keeps only the
 * token's hash and the router needs no key.
 */
export function deriveSessionCredential(key: Buffer, purpose: 'token' | 'secret', sessionId: string): string {
  return createHmac('sha256', key).update(`sessionplane:${purpose}:${sessionId}`).digest('hex').slice(0, 40);
}

/** What the store keeps of a token: its SHA-256, hex. Tokens are random, so no salt is needed. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** Compares a presented token with a stored hash in constant time. */
export function tokenMatches(token: string, storedHash: string): boolean {
  const a = Buffer.from(hashToken(token), 'hex');
  const b = Buffer.from(storedHash, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}

const SESSION_ID = /^[0-9a-f]{32}$/;
export function isSessionId(value: string): boolean {
  return SESSION_ID.test(value);
}
