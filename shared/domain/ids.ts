import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** 128 random bits as 32 lower-case hex digits: trame clients lower-case the whole sessionURL. */
export function newSessionId(): string {
  return randomBytes(16).toString('hex');
}

/** An access token or app secret: 160 random bits, lower-case hex. */
export function newToken(): string {
  return randomBytes(20).toString('hex');
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
