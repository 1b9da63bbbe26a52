import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalServer } from '../../functions/local/http-server';
import { echoApp, fixtureApp } from '../support/apps';
import { startTestPlane, type TestPlane } from '../support/plane';
import { openWs, roundTrip } from '../support/ws';
import { type IncomingMessage, request } from 'node:http';

/** #35: under TRAME_URL_PREFIX=/viz everything answers under the prefix, as the trame image serves it. */
describe('TRAME_URL_PREFIX', () => {
  let plane: TestPlane;
  let server: LocalServer;
  beforeAll(async () => {
    plane = await startTestPlane({ echo: echoApp(), web: fixtureApp() }, { TRAME_URL_PREFIX: '/viz' });
    server = await plane.listen();
  });
  afterAll(async () => plane?.dispose());

  it('launches through <prefix>/paraview/, and its sessionURL (<prefix>/proxy) carries a WebSocket to the app', async () => {
    const res = await fetch(`${server.url}/viz/paraview/`, {
      method: 'POST',
      body: '{"application":"echo"}',
      headers: { 'x-test-user': 'vera' },
    });
    expect(res.status).toBe(200);
    const { sessionURL } = (await res.json()) as { sessionURL: string };
    expect(sessionURL).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/viz\/proxy\?sessionId=[0-9a-f]{32}&path=ws&token=/);
    const ws = await openWs(sessionURL);
    expect((await roundTrip(ws, 'under the prefix')).toString()).toBe('under the prefix');
    ws.close();
  });

  it("serves an HTTP app's connectURL (<prefix>/s/<id>/), the API and its document under the prefix, and still without it", async () => {
    const launched = await fetch(`${server.url}/viz/sessions`, {
      method: 'POST',
      body: '{"app":"web"}',
      headers: { 'x-test-user': 'vera', 'content-type': 'application/json' },
    });
    expect(launched.status).toBe(202);
    const { id, connectURL } = (await launched.json()) as { id: string; connectURL: string };
    expect(connectURL).toMatch(new RegExp(`/viz/s/${id}/\\?token=`));
    const page = await fetch(connectURL.replace(/^http:\/\/[^/]+/, server.url), { redirect: 'manual' });
    // The token moves into a cookie (302), or the app answers at once for a non-browser client.
    expect([200, 302]).toContain(page.status);
    const direct = await fetch(`${server.url}/viz/s/${id}/?token=${new URL(connectURL).searchParams.get('token')}`);
    expect(direct.status).toBe(200);
    expect(((await direct.json()) as { path: string }).path).toBe('/');
    expect((await fetch(`${server.url}/viz/healthz`)).status).toBe(200);
    expect((await fetch(`${server.url}/viz/openapi.json`)).status).toBe(200);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  });

  it("keeps a browser under the prefix: the token's move into a cookie, the portal's redirects, links and cookie paths", async () => {
    const launched = await fetch(`${server.url}/viz/sessions`, {
      method: 'POST',
      body: '{"app":"web"}',
      headers: { 'x-test-user': 'vera', 'content-type': 'application/json' },
    });
    const { id, connectURL } = (await launched.json()) as { id: string; connectURL: string };
    const token = new URL(connectURL).searchParams.get('token');
    // As a browser navigates (node:http: fetch always says Sec-Fetch-Mode: cors).
    const navigate = (path: string) =>
      new Promise<IncomingMessage>((resolve, reject) =>
        request(`${server.url}${path}`, { headers: { accept: 'text/html', 'sec-fetch-mode': 'navigate' } }, (res) => {
          res.resume();
          resolve(res);
        })
          .once('error', reject)
          .end(),
      );
    const moved = await navigate(`/viz/s/${id}/?token=${token}`);
    expect(moved.statusCode).toBe(302);
    expect(moved.headers.location).toBe(`/viz/s/${id}/`);
    expect(moved.headers['set-cookie']?.[0]).toContain(`Path=/viz/s/${id}/`);
    // Without the prefix, it stays without.
    expect((await navigate(`/s/${id}/?token=${token}`)).headers.location).toBe(`/s/${id}/`);

    const home = await fetch(`${server.url}/viz/`, { redirect: 'manual' });
    expect(home.status).toBe(303);
    expect(home.headers.get('location')).toBe('/viz/sign-in?next=%2F');
    const signIn = await (await fetch(`${server.url}/viz/sign-in`)).text();
    expect(signIn).toContain('href="/viz/portal.css"');
    expect(signIn).toContain('src="/viz/portal.js"');
    expect(signIn).toContain('action="/viz/sign-in"');
    expect(signIn).not.toMatch(/(href|src|action)="\/(?!viz\/)/);
    expect(await (await fetch(`${server.url}/sign-in`)).text()).toContain('href="/portal.css"');
  });
});
