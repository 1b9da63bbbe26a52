import { describe, expect, it } from 'vitest';
import { CreateTokenSchema, isApiToken, mintToken, principalOfToken } from '../../shared/domain/api-tokens';
import { hashToken } from '../../shared/domain/ids';

describe('personal API tokens', () => {
  const now = Date.UTC(2026, 11, 7);

  it('mints a prefixed random token whose record keeps its hash and its maker as they are now', () => {
    const { token, record } = mintToken(
      { user: 'ann', admin: false, groups: ['lab'] },
      CreateTokenSchema.parse({ name: 'cli' }),
      now,
    );
    expect(isApiToken(token)).toBe(true);
    expect(record).toMatchObject({
      hash: hashToken(token),
      user: 'ann',
      admin: false,
      groups: ['lab'],
      name: 'cli',
      createdAt: now,
    });
    expect(record.expiresAt).toBe(now + 30 * 86_400_000);
    expect(JSON.stringify(record)).not.toContain(token);
    expect(mintToken({ user: 'ann', admin: false }, { name: 'x', expiresInDays: 1 }, now).token).not.toBe(token);
  });

  it('stands for its maker until it expires, not a millisecond after', () => {
    const { record } = mintToken({ user: 'ann', admin: true }, { name: 'x', expiresInDays: 1 }, now);
    expect(principalOfToken(record, record.expiresAt - 1)).toEqual({ user: 'ann', admin: true });
    expect(principalOfToken(record, record.expiresAt)).toBeUndefined();
    expect(principalOfToken(undefined, now)).toBeUndefined();
  });

  it('tells a personal token from a JWT or a local token by its shape', () => {
    expect(isApiToken('eyJhbGciOiJSUzI1NiJ9.e30.sig')).toBe(false);
    expect(isApiToken(`spt_${'a'.repeat(42)}`)).toBe(false);
    expect(isApiToken(`spt_${'a'.repeat(43)}`)).toBe(true);
  });
});
