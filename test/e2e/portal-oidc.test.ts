import { createHash, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalServer } from '../../functions/local/http-server';
import { fixtureApp } from '../support/apps';
import { startTestPlane, type TestPlane } from '../support/plane';

/**
 * A local OIDC-shaped issuer: discovery, an authorization endpoint that signs "carol" in at once
 * (recording the PKCE challenge), a token endpoint that checks the verifier against it, and keys.
 */
async function localIssuer() {
  const { privateKey, publicKey } = await generateKeyPair('RS256');
  const jwk: JWK = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
  const codes = new Map<string, { challenge: string; method: string; nonce: string; redirect: string; client: string }>();
  const seen = { verifierChecked: 0, refused: 0 };
  let issuer = '';
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', issuer);
    const json = (status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    if (url.pathname === '/.well-known/openid-configuration')
      return json(200, {
        issuer,
        authorization_endpoint: `${issuer}/auth`,
        token_endpoint: `${issuer}/token`,
        jwks_uri: `${issuer}/jwks`,
        response_types_supported: ['code'],
        subject_types_supported: ['public'],
        id_token_signing_alg_values_supported: ['RS256'],
        code_challenge_methods_supported: ['S256'],
      });
    if (url.pathname === '/jwks') return json(200, { keys: [jwk] });
    if (url.pathname === '/auth') {
      const q = url.searchParams;
      if (q.get('response_type') !== 'code' || !q.get('code_challenge')) return json(400, { error: 'invalid_request' });
      const code = randomBytes(16).toString('hex');
      codes.set(code, {
        challenge: q.get('code_challenge')!,
        method: q.get('code_challenge_method') ?? '',
        nonce: q.get('nonce') ?? '',
        redirect: q.get('redirect_uri')!,
        client: q.get('client_id')!,
      });
      const back = new URL(q.get('redirect_uri')!);
      back.search = new URLSearchParams({ code, state: q.get('state') ?? '' }).toString();
      return res.writeHead(302, { location: back.href }).end();
    }
    if (url.pathname === '/token' && req.method === 'POST') {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', async () => {
        const form = new URLSearchParams(body);
        const grant = codes.get(form.get('code') ?? '');
        codes.delete(form.get('code') ?? '');
        const expected = createHash('sha256')
          .update(form.get('code_verifier') ?? '')
          .digest('base64url');
        if (grant?.method !== 'S256' || expected !== grant.challenge || form.get('redirect_uri') !== grant.redirect) {
          seen.refused++;
          return json(400, { error: 'invalid_grant' });
        }
        seen.verifierChecked++;
        const idToken = await new SignJWT({ nonce: grant.nonce, groups: ['sessionplane-admins'] })
          .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
          .setIssuer(issuer)
          .setAudience(grant.client)
          .setSubject('carol')
          .setIssuedAt()
          .setExpirationTime('5m')
          .sign(privateKey);
        json(200, { access_token: randomBytes(16).toString('hex'), token_type: 'Bearer', expires_in: 300, id_token: idToken });
      });
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { issuer, server, seen, codes };
}

describe('the portal signs in through an OIDC issuer: authorization code with PKCE', () => {
  let idp: Awaited<ReturnType<typeof localIssuer>>;
  let plane: TestPlane;
  let server: LocalServer;

  beforeAll(async () => {
    idp = await localIssuer();
    plane = await startTestPlane({ echo: fixtureApp() }, { SESSIONPLANE_JWT_ISSUER: idp.issuer, SESSIONPLANE_OIDC_CLIENT_ID: 'portal' }, { realAuth: true });
    server = await plane.listen();
  });
  afterAll(async () => {
    await plane?.dispose();
    idp?.server.close();
  });

  const get = (url: string, cookie = '') => fetch(url, { redirect: 'manual', headers: cookie ? { cookie } : {} });
  const cookieOf = (res: Response, name: string) =>
    res.headers
      .getSetCookie()
      .map((c) => c.split(';')[0]!)
      .find((c) => c.startsWith(`${name}=`) && c.length > name.length + 1);

  it('goes to the issuer with an S256 challenge, comes back with a code the issuer checks against the verifier, and signs the user in', async () => {
    const start = await get(`${server.url}/sign-in/oidc?next=/admin`);
    expect(start.status).toBe(303);
    const to = new URL(start.headers.get('location')!);
    expect(to.origin).toBe(idp.issuer);
    expect(to.searchParams.get('code_challenge_method')).toBe('S256');
    expect(to.searchParams.get('redirect_uri')).toBe(`${server.url}/sign-in/oidc/callback`);
    const flow = cookieOf(start, 'sessionplane_oidc')!;
    expect(flow).toBeDefined();
    // The verifier never leaves the server's signed cookie: not in the URL the browser is sent to.
    expect(to.href).not.toContain(flow.split('=')[1]!.split('.')[1]!);

    const back = await get(to.href);
    const callback = back.headers.get('location')!;
    const done = await get(callback, flow);
    expect(done.status).toBe(303);
    expect(done.headers.get('location')).toBe('/admin');
    expect(idp.seen.verifierChecked).toBe(1);
    const session = cookieOf(done, 'sessionplane_portal')!;
    const admin = await get(`${server.url}/admin`, session);
    expect(admin.status).toBe(200);
    expect(await admin.text()).toContain('carol');
  });

  it('refuses a callback this browser did not start, and one whose state does not match', async () => {
    const start = await get(`${server.url}/sign-in/oidc`);
    const back = await get(start.headers.get('location')!);
    const callback = back.headers.get('location')!;
    // No flow cookie: another browser's callback (a login CSRF) signs no one in.
    const foreign = await get(callback);
    expect(foreign.status).toBe(400);
    expect(cookieOf(foreign, 'sessionplane_portal')).toBeUndefined();
    // The flow cookie of another sign-in: its state does not match.
    const other = await get(`${server.url}/sign-in/oidc`);
    const mismatched = await get(callback, cookieOf(other, 'sessionplane_oidc')!);
    expect(mismatched.status).toBe(401);
    expect(cookieOf(mismatched, 'sessionplane_portal')).toBeUndefined();
  });
});
