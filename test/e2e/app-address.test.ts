import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalServer } from '../../functions/local/http-server';
import { loadAppsFile } from '../../shared/config/apps-file';
import { isLive } from '../../shared/domain/session';
import { settledStart, startTestPlane, type TestPlane } from '../support/plane';
import { testUsers } from '../support/users';

const users = testUsers({ alice: {}, bob: {} });

/** The stable app address /apps/<app>/ (#33): the user's own session only, and nothing started by another site. */
describe('the app address /apps/<app>/', () => {
  let plane: TestPlane;
  let server: LocalServer;
  const signed = new Map<string, { cookie: string; csrf: string }>();
  const form = { 'content-type': 'application/x-www-form-urlencoded' };

  beforeAll(async () => {
    plane = await startTestPlane(
      Object.fromEntries(loadAppsFile('examples/apps/apps.yml')),
      { SESSIONPLANE_AUTH_TOKENS: users.path },
      { realAuth: true },
    );
    server = await plane.listen();
    for (const who of ['alice', 'bob'] as const) {
      const res = await fetch(`${server.url}/sign-in`, {
        method: 'POST',
        redirect: 'manual',
        headers: { ...form, origin: server.url },
        body: new URLSearchParams({ token: users.tokens[who], next: '/' }),
      });
      const cookie = res.headers.getSetCookie()[0]!.split(';')[0]!;
      const home = await (await fetch(`${server.url}/`, { headers: { cookie } })).text();
      signed.set(who, { cookie, csrf: /<meta name="csrf-token" content="([^"]+)"/.exec(home)![1]! });
    }
  }, 60_000);
  afterAll(async () => {
    await plane?.dispose();
    users.dispose();
  });

  const visit = (who: string, headers: Record<string, string> = {}) =>
    fetch(`${server.url}/apps/echo/`, { redirect: 'manual', headers: { cookie: signed.get(who)!.cookie, ...headers } });
  const idIn = (res: Response) => /\/s\/([0-9a-f]{32})\//.exec(res.headers.get('location') ?? '')?.[1];
  const liveOf = async (owner: string) =>
    (await plane.deps.store.listByOwner(owner)).items.filter((s) => isLive(s.status) && s.status !== 'STOPPING');

  it("never sends a grantee into the owner's session: their own address starts their own", async () => {
    const mine = await visit('alice', { 'sec-fetch-site': 'none' });
    expect(mine.status).toBe(303);
    const aliceId = idIn(mine)!;
    await settledStart(plane, aliceId);
    const shared = await users.api(server.url, 'alice', `/sessions/${aliceId}/shares`, {
      method: 'POST',
      body: JSON.stringify({ user: 'bob' }),
    });
    expect(shared.status).toBe(201);
    const his = await visit('bob', { 'sec-fetch-site': 'same-origin' });
    expect(his.status).toBe(303);
    expect(idIn(his)).not.toBe(aliceId);
    expect((await plane.deps.store.get(idIn(his)!))?.owner).toBe('bob');
  });

  it('starts nothing on a GET from another site: it asks, and starts on the form posted back with the CSRF token', async () => {
    for (const s of await liveOf('bob')) await users.api(server.url, 'bob', `/sessions/${s.id}`, { method: 'DELETE' });
    const before = (await liveOf('bob')).length;
    for (const headers of [
      { 'sec-fetch-site': 'cross-site' },
      { 'sec-fetch-site': 'same-site' },
      { referer: 'https://evil.example/page' },
    ] as Record<string, string>[]) {
      const res = await visit('bob', headers);
      expect(res.status).toBe(200);
      const html = await res.text();
      expect(html).toContain('Start echo?');
      expect(html).toContain(`action="/apps/echo/"`);
    }
    expect((await liveOf('bob')).length).toBe(before);
    // A form from elsewhere has no CSRF token: refused, nothing started.
    const forged = await fetch(`${server.url}/apps/echo/`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie: signed.get('bob')!.cookie, ...form },
      body: '_csrf=guess',
    });
    expect(forged.status).toBe(403);
    expect((await liveOf('bob')).length).toBe(before);
    // The page's own button.
    const confirmed = await fetch(`${server.url}/apps/echo/`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie: signed.get('bob')!.cookie, ...form },
      body: new URLSearchParams({ _csrf: signed.get('bob')!.csrf }),
    });
    expect(confirmed.status).toBe(303);
    expect((await plane.deps.store.get(idIn(confirmed)!))?.owner).toBe('bob');
    // A running session of one's own is where a link from anywhere leads (nothing new starts).
    const again = await visit('bob', { 'sec-fetch-site': 'cross-site' });
    expect(again.status).toBe(303);
    expect(idIn(again)).toBe(idIn(confirmed));
  });
});
