import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalServer } from '../../functions/local/http-server';
import { fixtureApp } from '../support/apps';
import { localIssuer, type LocalIssuer } from '../support/oidc-issuer';
import { startTestPlane, type TestPlane } from '../support/plane';

describe('the portal signs in through an OIDC issuer: authorization code with PKCE', () => {
  let idp: LocalIssuer;
  let plane: TestPlane;
  let server: LocalServer;

  beforeAll(async () => {
    idp = await localIssuer();
    plane = await startTestPlane(
      { echo: fixtureApp() },
      { SESSIONPLANE_JWT_ISSUER: idp.issuer, SESSIONPLANE_OIDC_CLIENT_ID: 'portal' },
      { realAuth: true },
    );
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
