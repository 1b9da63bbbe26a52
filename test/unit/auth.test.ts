import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Hono } from 'hono';
import { createLocalJWKSet, exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { bearerTokens, gatewayClaims, verifiedJwt, type Authenticate } from '../../functions/api/auth/authenticators';
import { loadTokensFile } from '../../shared/config/auth-tokens';
import { hashToken } from '../../shared/domain/ids';
import { ConfigError } from '../../shared/domain/errors';

/** Who the authenticator says the caller is (null: nobody). */
async function whoami(auth: Authenticate, headers: Record<string, string> = {}, env?: unknown) {
  const app = new Hono().get('/', async (c) => c.json((await auth(c)) ?? null));
  return (await app.request('/', { headers }, env)).json();
}

function tokensFile(text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'sp-tokens-')), 'tokens.yml');
  writeFileSync(path, text);
  return path;
}

const mapping = { userClaim: 'email', groupsClaim: 'cognito:groups', adminGroup: 'sessionplane-admins' };

describe('local bearer tokens', () => {
  const aliceToken = 'alice-token-0123456789abcdef';
  const table = loadTokensFile(
    tokensFile(`tokens:
  - { user: alice, token: ${aliceToken} }
  - { user: root, role: admin, tokenSha256: ${hashToken('root-token-0123456789abcdef')} }
`),
  );
  const auth = bearerTokens(table);

  it("knows a user by token or by the token's SHA-256, with the role", async () => {
    expect(await whoami(auth, { authorization: `Bearer ${aliceToken}` })).toEqual({ user: 'alice', admin: false });
    expect(await whoami(auth, { authorization: 'bearer root-token-0123456789abcdef' })).toEqual({
      user: 'root',
      admin: true,
    });
  });

  it.each([
    [{}],
    [{ authorization: 'Bearer wrong-token-0123456789' }],
    [{ authorization: `Basic ${aliceToken}` }],
    [{ authorization: `Bearer ${aliceToken} extra` }],
  ])('refuses %o', async (headers) => {
    expect(await whoami(auth, headers)).toBeNull();
  });

  it('names each problem of a bad tokens file', () => {
    const bad = tokensFile(`tokens:
  - { user: "bad user", token: short }
  - { user: bob, role: owner, token: long-enough-token-0123456789 }
  - { user: carol }
`);
    let error: unknown;
    try {
      loadTokensFile(bad);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const text = (error as ConfigError).problems.join('\n');
    expect(text).toMatch(/tokens\.0\.user/);
    expect(text).toMatch(/tokens\.0\.token: at least 20/);
    expect(text).toMatch(/tokens\.1\.role/);
    expect(text).toMatch(/tokens\.2: give exactly one of `token` and `tokenSha256`/);
  });
});

describe('API Gateway JWT authorizer claims', () => {
  const auth = gatewayClaims(mapping);
  const event = (claims: Record<string, unknown>) => ({
    event: { requestContext: { authorizer: { jwt: { claims } } } },
  });

  it('takes the user from the configured claim and admin from the group claim', async () => {
    // The groups come along: a share to a group matches them.
    expect(
      await whoami(auth, {}, event({ email: 'ann@example.org', 'cognito:groups': '[users sessionplane-admins]' })),
    ).toEqual({
      user: 'ann@example.org',
      admin: true,
      groups: ['users', 'sessionplane-admins'],
    });
    expect(await whoami(auth, {}, event({ email: 'bo@example.org', 'cognito:groups': ['users'] }))).toEqual({
      user: 'bo@example.org',
      admin: false,
      groups: ['users'],
    });
  });

  it('refuses a request without claims, or without a usable user claim', async () => {
    expect(await whoami(auth, {}, {})).toBeNull();
    expect(await whoami(auth, {}, event({ sub: 'x' }))).toBeNull();
    expect(await whoami(auth, {}, event({ email: 'has space@example.org' }))).toBeNull();
  });
});

describe('JWTs verified with jose', () => {
  let sign: (
    claims: Record<string, unknown>,
    options?: { issuer?: string; audience?: string; expires?: string; key?: CryptoKey },
  ) => Promise<string>;
  let auth: Authenticate;
  let otherKey: CryptoKey;

  beforeAll(async () => {
    const { publicKey, privateKey } = await generateKeyPair('RS256');
    otherKey = (await generateKeyPair('RS256')).privateKey;
    const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256' };
    auth = verifiedJwt({
      ...mapping,
      issuer: 'https://idp.example.org',
      audience: 'sessionplane',
      keys: createLocalJWKSet({ keys: [jwk] }),
    });
    sign = (claims, o = {}) =>
      new SignJWT(claims)
        .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
        .setIssuer(o.issuer ?? 'https://idp.example.org')
        .setAudience(o.audience ?? 'sessionplane')
        .setIssuedAt()
        .setExpirationTime(o.expires ?? '5m')
        .sign(o.key ?? privateKey);
  });

  it('accepts a token signed by the issuer for this audience', async () => {
    const token = await sign({ email: 'cy@example.org', 'cognito:groups': ['sessionplane-admins'] });
    expect(await whoami(auth, { authorization: `Bearer ${token}` })).toEqual({
      user: 'cy@example.org',
      admin: true,
      groups: ['sessionplane-admins'],
    });
  });

  it.each([
    ['another issuer', { issuer: 'https://evil.example.org' }],
    ['another audience', { audience: 'other-app' }],
    ['an expired token', { expires: '-1m' }],
  ])('refuses %s', async (_case, options) => {
    expect(
      await whoami(auth, { authorization: `Bearer ${await sign({ email: 'cy@example.org' }, options)}` }),
    ).toBeNull();
  });

  it('refuses a token signed by another key, an unsigned token, and garbage', async () => {
    expect(
      await whoami(auth, { authorization: `Bearer ${await sign({ email: 'cy@example.org' }, { key: otherKey })}` }),
    ).toBeNull();
    const header = Buffer.from(JSON.stringify({ alg: 'none' })).toString('base64url');
    const body = Buffer.from(
      JSON.stringify({ email: 'cy@example.org', iss: 'https://idp.example.org', aud: 'sessionplane', exp: 9e9 }),
    ).toString('base64url');
    expect(await whoami(auth, { authorization: `Bearer ${header}.${body}.` })).toBeNull();
    expect(await whoami(auth, { authorization: 'Bearer not.a.jwt' })).toBeNull();
  });
});
