import { describe, expect, it } from 'vitest';
import { hashToken, isSessionId, newSessionId, newToken, tokenMatches } from '../../shared/domain/ids';

describe('ids and tokens', () => {
  it('makes session ids of 128 random bits in lower-case hex, all distinct', () => {
    const ids = Array.from({ length: 2000 }, newSessionId);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{32}$/);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.every(isSessionId)).toBe(true);
    expect(isSessionId(ids[0]!.toUpperCase())).toBe(false);
  });

  it('makes lower-case tokens of at least 128 bits and matches them only against their own hash', () => {
    const token = newToken();
    expect(token).toMatch(/^[0-9a-f]{40}$/);
    expect(tokenMatches(token, hashToken(token))).toBe(true);
    expect(tokenMatches(newToken(), hashToken(token))).toBe(false);
    expect(tokenMatches(token, 'not-hex')).toBe(false);
    expect(hashToken(token)).not.toContain(token);
  });
});
