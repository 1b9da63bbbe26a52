import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureApp } from '../support/apps';
import { startTestPlane, type TestPlane } from '../support/plane';

/**
 * #35: an app's unmodified web client (the ParaViewWeb Visualizer, a trame page) POSTs to the launcher
 * with the portal's cookie and no header of ours: a same-origin request is enough there, and nowhere else.
 */
describe('the launcher, from a page of this site signed in by the portal cookie', () => {
  let plane: TestPlane;
  let cookie: string;
  const ORIGIN = 'http://localhost';
  beforeAll(async () => {
    plane = await startTestPlane({ viz: fixtureApp() }, {}, { realAuth: true });
    const signIn = await plane.app.request('/sign-in', {
      method: 'POST',
      body: new URLSearchParams({ token: plane.adminToken, next: '/' }),
      headers: { origin: ORIGIN, 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(signIn.status).toBe(303);
    cookie = signIn.headers.getSetCookie()[0]!.split(';')[0]!;
  });
  afterAll(async () => plane?.dispose());

  const launch = (headers: Record<string, string>, path = '/paraview/') =>
    plane.app.request(path, { method: 'POST', body: '{"application":"viz"}', headers: { cookie, ...headers } });

  it('launches for a same-origin page (Origin, or Sec-Fetch-Site) and gives it the secret as the launcher does', async () => {
    const byOrigin = await launch({ origin: ORIGIN, 'content-type': 'text/plain;charset=UTF-8' });
    expect(byOrigin.status).toBe(200);
    expect(await byOrigin.json()).toMatchObject({ sessionURL: expect.any(String), secret: expect.any(String) });
    const bySite = await launch({ 'sec-fetch-site': 'same-origin' }, '/launcher/');
    expect(bySite.status).toBe(200);
  });

  it('refuses a page of another site, a request that says nothing, and any other write without the CSRF token', async () => {
    expect((await launch({ origin: 'https://evil.example' })).status).toBe(403);
    expect((await launch({ 'sec-fetch-site': 'cross-site', origin: ORIGIN })).status).toBe(403);
    expect((await launch({})).status).toBe(403);
    const other = await plane.app.request('/sessions', {
      method: 'POST',
      body: '{"app":"viz"}',
      headers: { cookie, origin: ORIGIN, 'content-type': 'application/json' },
    });
    expect(other.status).toBe(403);
  });
});
