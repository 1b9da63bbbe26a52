import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Hono } from 'hono';
import { createLocalJWKSet, exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { bearerTokens, verifiedJwt, type Authenticate } from '../../functions/api/auth/authenticators';
import { principalFromClaims } from '../../functions/api/auth/claims';
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

describe("a JWT's claims as a principal", () => {
  const whoIs = (claims: Record<string, unknown>) => principalFromClaims(claims, mapping) ?? null;

  it('takes the user from the configured claim and admin from the group claim', () => {
    // The groups come along: a share to a group matches them.
    expect(whoIs({ email: 'ann@example.org', 'cognito:groups': '[users sessionplane-admins]' })).toEqual({
      user: 'ann@example.org',
      admin: true,
      groups: ['users', 'sessionplane-admins'],
    });
    expect(whoIs({ email: 'bo@example.org', 'cognito:groups': ['users'] })).toEqual({
      user: 'bo@example.org',
      admin: false,
      groups: ['users'],
    });
  });

  it('refuses claims without a usable user claim', () => {
    expect(whoIs({ sub: 'x' })).toBeNull();
    expect(whoIs({ email: 'has space@example.org' })).toBeNull();
  });
});

describe('JWTs verified with jose', () => {
  let sign: (
    claims: Record<string, unknown>,
    options?: { issuer?: string; audience?: string; expires?: string; key?: CryptoKey },
  ) => Promise<string>;
  let auth: Authenticate;
  let otherKey: CryptoKey;
  let privateKey: CryptoKey;
  let keys: ReturnType<typeof createLocalJWKSet>;

  beforeAll(async () => {
    const pair = await generateKeyPair('RS256');
    const publicKey = pair.publicKey;
    privateKey = pair.privateKey;
    otherKey = (await generateKeyPair('RS256')).privateKey;
    const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256' };
    keys = createLocalJWKSet({ keys: [jwk] });
    auth = verifiedJwt({
      ...mapping,
      issuer: 'https://idp.example.org',
      audience: 'sessionplane',
      keys,
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

  it("takes several audiences, and (as API Gateway's JWT authorizer) an access token's client_id where it has no aud", async () => {
    const gateway = verifiedJwt({
      ...mapping,
      issuer: 'https://idp.example.org',
      audience: ['api-client', 'portal-client'],
      clientIdAudience: true,
      keys,
    });
    const idToken = await sign({ email: 'cy@example.org' }, { audience: 'portal-client' });
    expect(await whoami(gateway, { authorization: `Bearer ${idToken}` })).toMatchObject({ user: 'cy@example.org' });
    const access = await new SignJWT({ email: 'cy@example.org', client_id: 'api-client' })
      .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
      .setIssuer('https://idp.example.org')
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(privateKey);
    expect(await whoami(gateway, { authorization: `Bearer ${access}` })).toMatchObject({ user: 'cy@example.org' });
    // Without the rule (one machine) a token with no aud is no one's; nor one for another client either way.
    expect(await whoami(auth, { authorization: `Bearer ${access}` })).toBeNull();
    const elsewhere = await sign({ email: 'cy@example.org', client_id: 'api-client' }, { audience: 'other-app' });
    expect(await whoami(gateway, { authorization: `Bearer ${elsewhere}` })).toBeNull();
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
