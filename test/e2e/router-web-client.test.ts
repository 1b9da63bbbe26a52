import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestPlane } from '../support/plane';
import { type RouterPortal, startRouterPortal } from '../support/router-portal';

const APPS = 'examples/trame/apps.yml';

/**
 * #35 on AWS: the router service serves the web client (SESSIONPLANE_WWW, baked into its image) beside the portal,
 * `/<app>.html` for each web-client app, and relays the client's launcher POST to the API as the signed-in user: a page
 * of its own origin needs no header, anything else is refused in wslink's shape.
 */
describe('the web client on the router service', () => {
  let rp: RouterPortal;
  let plane: TestPlane;
  let base: string;
  let get: RouterPortal['get'];
  let signInAs: RouterPortal['signInAs'];

  beforeAll(async () => {
    rp = await startRouterPortal(APPS, { SESSIONPLANE_WWW: 'examples/trame/www' });
    ({ plane, base, get, signInAs } = rp);
  }, 60_000);
  afterAll(async () => rp?.dispose());

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
