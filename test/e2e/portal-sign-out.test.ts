import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalServer } from '../../functions/local/http-server';
import { loadAppsFile } from '../../shared/config/apps-file';
import { startTestPlane, type TestPlane } from '../support/plane';
import { testUsers } from '../support/users';

const users = testUsers({ alice: {} });

/** #33: the portal's cookie no longer works once its sign-in has ended, even replayed from a copy. */
describe('portal sign-out', () => {
  let plane: TestPlane;
  let server: LocalServer;
  const form = { 'content-type': 'application/x-www-form-urlencoded' };

  beforeAll(async () => {
    plane = await startTestPlane(
      Object.fromEntries(loadAppsFile('examples/apps/apps.yml')),
      { SESSIONPLANE_AUTH_TOKENS: users.path },
      { realAuth: true },
    );
    server = await plane.listen();
  });
  afterAll(async () => {
    await plane?.dispose();
    users.dispose();
  });

  const signIn = async () => {
    const res = await fetch(`${server.url}/sign-in`, {
      method: 'POST',
      redirect: 'manual',
      headers: { ...form, origin: server.url },
      body: new URLSearchParams({ token: users.tokens.alice, next: '/' }),
    });
    const cookie = res.headers.getSetCookie()[0]!.split(';')[0]!;
    const csrf = /<meta name="csrf-token" content="([^"]+)"/.exec(
      await (await fetch(`${server.url}/`, { headers: { cookie } })).text(),
    )![1]!;
    return { cookie, csrf };
  };
  const get = (path: string, cookie: string) =>
    fetch(`${server.url}${path}`, { redirect: 'manual', headers: { cookie } });

  it('refuses a kept copy of the cookie after sign-out, at the pages and at the API; another sign-in still works', async () => {
    const kept = await signIn();
    const other = await signIn();
    expect((await get('/', kept.cookie)).status).toBe(200);
    expect((await get('/sessions', kept.cookie)).status).toBe(200);
    const out = await fetch(`${server.url}/sign-out`, {
      method: 'POST',
      redirect: 'manual',
      headers: { ...form, origin: server.url, cookie: kept.cookie },
      body: new URLSearchParams({ _csrf: kept.csrf }),
    });
    expect(out.status).toBe(303);
    const home = await get('/', kept.cookie);
    expect(home.status).toBe(303);
    expect(home.headers.get('location')).toMatch(/^\/sign-in/);
    expect((await get('/sessions', kept.cookie)).status).toBe(401);
    expect((await get('/portal/sessions', kept.cookie)).status).toBe(401);
    // Only that sign-in ended: her other browser is still signed in.
    expect((await get('/', other.cookie)).status).toBe(200);
  });
});
