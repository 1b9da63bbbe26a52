import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalServer } from '../../functions/local/http-server';
import { loadAppsFile } from '../../shared/config/apps-file';
import { freePort } from '../support/dynamodb-local';
import { localIssuer, type LocalIssuer } from '../support/oidc-issuer';
import { startTestPlane, type TestPlane } from '../support/plane';
import { spawnRouter } from '../support/router-process';

const APPS = 'examples/trame/apps.yml';

/**
 * #35 on AWS: the router service serves the web client (SESSIONPLANE_WWW, baked into its image) beside the portal,
 * `/<app>.html` for each web-client app, and relays the client's launcher POST to the API as the signed-in user: a page
 * of its own origin needs no header, anything else is refused in wslink's shape.
 */
describe('the web client on the router service', () => {
  let idp: LocalIssuer;
  let plane: TestPlane;
  let api: LocalServer;
  let router: ChildProcess;
  let base: string;

  beforeAll(async () => {
    idp = await localIssuer();
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    const oidc = { SESSIONPLANE_JWT_ISSUER: idp.issuer, SESSIONPLANE_JWT_AUDIENCE: 'portal' };
    plane = await startTestPlane(
      Object.fromEntries(loadAppsFile(APPS)),
      { ...oidc, SESSIONPLANE_PUBLIC_URL: base, SESSIONPLANE_WWW: 'examples/trame/www' },
      { realAuth: true },
    );
    api = await plane.listen();
    ({ child: router } = await spawnRouter(
      plane.dynamodbEndpoint,
      {
        ...oidc,
        SESSIONPLANE_TABLE: 'sessionplane-sessions',
        SESSIONPLANE_APPS: APPS,
        SESSIONPLANE_WWW: 'examples/trame/www',
        SESSIONPLANE_PUBLIC_URL: base,
        SESSIONPLANE_API_URL: api.url,
        SESSIONPLANE_PORTAL_KEY: randomBytes(32).toString('hex'),
        SESSIONPLANE_OIDC_CLIENT_ID: 'portal',
        SESSIONPLANE_LOG_LEVEL: 'warn',
      },
      port,
    ));
  }, 60_000);
  afterAll(async () => {
    router?.kill('SIGKILL');
    await plane?.dispose();
    idp?.server.close();
  });

  const get = (path: string, cookie = '') =>
    fetch(`${path.startsWith('http') ? '' : base}${path}`, { redirect: 'manual', headers: cookie ? { cookie } : {} });
  const signInAs = async (user: string) => {
    Object.assign(idp.as, { subject: user, groups: [], lifetime: '5m' });
    const start = await get('/sign-in/oidc?next=/');
    const flow = start.headers.getSetCookie()[0]!.split(';')[0]!;
    const back = await get(start.headers.get('location')!);
    const done = await get(back.headers.get('location')!, flow);
    return done.headers
      .getSetCookie()
      .map((c) => c.split(';')[0]!)
      .find((c) => c.startsWith('sessionplane_portal=') && c.length > 22)!;
  };
  const post = (headers: Record<string, string>, body = { application: 'hello' }) =>
    fetch(`${base}/paraview/`, { method: 'POST', body: JSON.stringify(body), headers });

  it("serves each web-client app's page and the client's files beside the portal", async () => {
    const hello = await get('/hello.html');
    expect(hello.status).toBe(200);
    expect(await hello.text()).toContain('data-app-name="hello"');
    expect((await get('/wslink.js')).status).toBe(200);
    // The portal keeps `/`.
    expect((await get('/')).headers.get('location')).toBe('/sign-in?next=%2F');
  });

  it("relays the page's launcher POST to the API as the signed-in user; refuses another site's, and no one's, in wslink's shape", async () => {
    const cookie = await signInAs('olive');
    const res = await post({ cookie, origin: base, 'content-type': 'text/plain;charset=UTF-8' });
    expect(res.status).toBe(200);
    const reply = (await res.json()) as { id: string; sessionURL: string; secret: string };
    expect(reply.sessionURL.startsWith(base.replace('http', 'ws'))).toBe(true);
    expect(reply.secret).toBeTruthy();
    expect((await plane.deps.store.get(reply.id))?.owner).toBe('olive');

    const foreign = await post({ cookie, origin: 'https://evil.example' });
    expect(foreign.status).toBe(403);
    expect(await foreign.json()).toEqual({ error: expect.stringContaining('CSRF') });
    const nobody = await post({ origin: base });
    expect(nobody.status).toBe(401);
    expect(await nobody.json()).toEqual({ error: 'Sign in first.' });
    expect((await plane.deps.store.listByOwner('olive', {})).items).toHaveLength(1);
  });
});
