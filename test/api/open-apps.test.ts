import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalServer } from '../../functions/local/http-server';
import { fixtureApp } from '../support/apps';
import { API_DOORS, byStatus, outcomeOf } from '../support/authorization-table';
import { startTestPlane, type TestPlane } from '../support/plane';
import type { SessionAction } from '../../shared/domain/authorization';

/**
 * #35: an app open to anyone who opens its URL (the trame image's model). A launcher POST with no credential starts a
 * session for that visitor (known by a cookie of its own), within the app's bounds: launches a minute per address, and
 * visitors' sessions live. Nothing else is open to them.
 */
describe('apps open to anyone: visitors', () => {
  let plane: TestPlane;
  let server: LocalServer;
  const launch = (application: string, cookie?: string) =>
    fetch(`${server.url}/paraview/`, {
      method: 'POST',
      body: JSON.stringify({ application }),
      headers: cookie ? { cookie } : {},
    });
  const cookieOf = (res: Response) => res.headers.getSetCookie().find((c) => c.startsWith('sessionplane_visitor='));

  beforeAll(async () => {
    plane = await startTestPlane(
      {
        pub: fixtureApp([], { open: { max: 2, perAddressPerMinute: 10 } }),
        tight: fixtureApp([], { open: { max: 10, perAddressPerMinute: 2 } }),
        priv: fixtureApp(),
      },
      {},
      { realAuth: true },
    );
    server = await plane.listen();
  });
  afterAll(async () => plane?.dispose());

  it('starts a session per POST for a visitor, who finds their own sessions again by their cookie, and no one else does', async () => {
    const first = await launch('pub');
    expect(first.status).toBe(200);
    const set = cookieOf(first)!;
    expect(set).toMatch(/HttpOnly/i);
    expect(set).toMatch(/SameSite=Lax/i);
    const cookie = set.split(';')[0]!;
    const a = (await first.json()) as { id: string; secret: string; sessionURL: string };
    expect(a.secret).toBeTruthy();
    const owner = (await plane.deps.store.get(a.id))!.owner;
    expect(owner).toMatch(/^visitor-[0-9a-f]{24}$/);

    const again = await launch('pub', cookie);
    expect(again.status).toBe(200);
    expect(cookieOf(again)).toBeUndefined();
    const b = (await again.json()) as { id: string };
    expect(b.id).not.toBe(a.id);
    expect((await plane.deps.store.get(b.id))!.owner).toBe(owner);

    expect((await fetch(`${server.url}/paraview/${a.id}`, { headers: { cookie } })).status).toBe(200);
    // Another visitor, or a forged cookie, is someone else.
    expect((await fetch(`${server.url}/paraview/${a.id}`)).status).toBe(404);
    const forged = `sessionplane_visitor=${owner.slice('visitor-'.length)}.AAAAAAAAAAAAAAAAAAAAAA`;
    expect((await fetch(`${server.url}/paraview/${a.id}`, { headers: { cookie: forged } })).status).toBe(404);

    // The cap: two visitors' sessions of pub live at most, wslink's 503 past it; a stop makes room.
    const third = await launch('pub');
    expect(third.status).toBe(503);
    expect(await third.json()).toEqual({ error: 'All the resources are currently taken' });
    expect((await fetch(`${server.url}/paraview/${a.id}`, { method: 'DELETE', headers: { cookie } })).status).toBe(200);
    expect((await launch('pub')).status).toBe(200);
  });

  it('limits launches a minute from one address, in the launcher shape', async () => {
    expect((await launch('tight')).status).toBe(200);
    expect((await launch('tight')).status).toBe(200);
    const over = await launch('tight');
    expect(over.status).toBe(429);
    expect(Number(over.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await over.json()).toEqual({ error: expect.any(String) });
  });

  it("the authorization matrix's visitor rows: at every API door, a visitor is a stranger to a user's session (the launcher's 404), or unauthenticated (every other door)", async () => {
    const owned = await fetch(`${server.url}/paraview/`, {
      method: 'POST',
      body: JSON.stringify({ application: 'pub' }),
      headers: { authorization: `Bearer ${plane.adminToken}` },
    });
    const { id } = (await owned.json()) as { id: string };
    const cookie = cookieOf(await launch('tight'))?.split(';')[0] ?? '';
    const wrong: string[] = [];
    let rows = 0;
    for (const [door, d] of Object.entries(API_DOORS) as [keyof typeof API_DOORS, (typeof API_DOORS)['rest']][])
      for (const [action, ask] of Object.entries(d.asks) as [SessionAction, NonNullable<(typeof d.asks)['read']>][]) {
        const { method, path, query, body, form } = ask(id);
        const res = await fetch(`${server.url}${path}${query ? `?${query}` : ''}`, {
          method,
          ...(body ? { body } : {}),
          headers: {
            cookie,
            ...(body ? { 'content-type': form ? 'application/x-www-form-urlencoded' : 'application/json' } : {}),
          },
        });
        const live = (await plane.deps.store.get(id))!.status !== 'STOPPED';
        const got = outcomeOf(door, action, res.status, await res.text(), !live);
        const want = door === 'launcher' ? 'not_found' : 'unauthenticated';
        rows++;
        if (got !== want) wrong.push(`${door} × ${action} × visitor: ${got} (${res.status}), not ${want}`);
      }
    expect(wrong).toEqual([]);
    expect(rows).toBe(14);
    expect(byStatus((await fetch(`${server.url}/sessions/${id}`, { headers: { cookie } })).status)).toBe(
      'unauthenticated',
    );
  });

  it('opens nothing else: an app not open, and every other route, still need a credential', async () => {
    const priv = await launch('priv');
    expect(priv.status).toBe(401);
    expect(await priv.json()).toEqual({ error: expect.stringContaining('not open to anyone') });
    const cookie = cookieOf(await launch('pub'))?.split(';')[0];
    for (const path of ['/sessions', '/apps', '/usage'])
      expect((await fetch(`${server.url}${path}`, { headers: cookie ? { cookie } : {} })).status).toBe(401);
    // A signed-in user launches it as themselves.
    const mine = await fetch(`${server.url}/paraview/`, {
      method: 'POST',
      body: JSON.stringify({ application: 'tight' }),
      headers: { authorization: `Bearer ${plane.adminToken}` },
    });
    expect(mine.status).toBe(200);
    expect((await plane.deps.store.get(((await mine.json()) as { id: string }).id))!.owner).toBe('admin');
  });
});
