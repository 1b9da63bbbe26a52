import { createPrivateKey, generateKeyPairSync, sign } from 'node:crypto';

/**
 * An issuer for tests of the API functions, which verify JWTs themselves: a key pair made once per test process, the
 * environment that makes a function trust it (its key set as a `data:` URL, which jose fetches like any other), and a
 * signer (synchronous, so a synthetic event can carry a token).
 */
const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const jwk = { ...publicKey.export({ format: 'jwk' }), kid: 'test-1', alg: 'RS256', use: 'sig' };

const TEST_ISSUER = 'https://issuer.sessionplane.test';
const TEST_AUDIENCE = 'sessionplane-test';

/** What an API function's environment needs to trust this issuer. */
export const testJwtEnv = {
  SESSIONPLANE_JWT_ISSUER: TEST_ISSUER,
  SESSIONPLANE_JWT_AUDIENCE: TEST_AUDIENCE,
  SESSIONPLANE_JWT_JWKS_URL: `data:application/json,${encodeURIComponent(JSON.stringify({ keys: [jwk] }))}`,
};

/** A JWT of the test issuer with these claims (an hour's life, for this audience unless the claims say). */
export function testJwt(claims: Record<string, unknown>): string {
  const now = Math.floor(Date.now() / 1000);
  const part = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const body = `${part({ alg: 'RS256', kid: 'test-1', typ: 'JWT' })}.${part({
    iss: TEST_ISSUER,
    aud: TEST_AUDIENCE,
    iat: now,
    exp: now + 3600,
    ...claims,
  })}`;
  return `${body}.${sign('sha256', Buffer.from(body), createPrivateKey(privateKey.export({ format: 'pem', type: 'pkcs8' }))).toString('base64url')}`;
}
