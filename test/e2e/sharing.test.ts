import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalServer } from '../../functions/local/http-server';
import { loadAppsFile } from '../../shared/config/apps-file';
import { startTestPlane, settledStart, type TestPlane } from '../support/plane';
import { closeCode, openWs, roundTrip, upgradeStatus } from '../support/ws';
import { testUsers } from '../support/users';
import { waitFor } from '../support/wait';
import { rawRequest } from '../support/http';

const users = testUsers({ alice: {}, bob: {}, carol: {}, dave: { groups: ['viz'] } });
const TOKENS = users.tokens;
const LOOKUP_CACHE_MS = 500;

/** Sharing a running session with a colleague: their own sign-in, their own token, revocable (#21). */
describe('sharing a session', () => {
  let plane: TestPlane;
  let server: LocalServer;

  beforeAll(async () => {
    plane = await startTestPlane(
      Object.fromEntries(loadAppsFile('examples/apps/apps.yml')),
      {
        SESSIONPLANE_AUTH_TOKENS: users.path,
        SESSIONPLANE_LOOKUP_CACHE: `${LOOKUP_CACHE_MS}ms`,
        SESSIONPLANE_MAX_SESSIONS_PER_USER: '20',
        SESSIONPLANE_MAX_CPU_PER_USER: '16',
        SESSIONPLANE_MAX_MEMORY_PER_USER: '16Gi',
      },
      { realAuth: true },
    );
    server = await plane.listen();
  });
  afterAll(async () => {
    await plane?.dispose();
    users.dispose();
  });

  const api = (who: keyof typeof TOKENS, path: string, init: RequestInit = {}) =>
    users.api(server.url, who, path, init);
  const json = async <T = Record<string, unknown>>(res: Response) => (await res.json()) as T;
  const launch = async (app: string) => {
    const res = await api('alice', '/sessions', { method: 'POST', body: JSON.stringify({ app }) });
    expect(res.status).toBe(202);
    const session = await json<{ id: string; token: string }>(res);
    await settledStart(plane, session.id);
    return session;
  };
  const share = async (id: string, body: unknown, who: keyof typeof TOKENS = 'alice') =>
    api(who, `/sessions/${id}/shares`, { method: 'POST', body: JSON.stringify(body) });

  it("lets a grantee reach the session through the router, HTTP and WebSocket, with their own token, never the owner's", async () => {
    const echo = await launch('echo');
    expect((await share(echo.id, { user: 'bob' })).status).toBe(201);
    const view = await json<{
      connectURL: string;
      sessionURL: string;
      token?: string;
      secret?: string;
      sharedWithYou: boolean;
      owner: string;
    }>(await api('bob', `/sessions/${echo.id}`));
    expect(view).toMatchObject({ owner: 'alice', sharedWithYou: true });
    expect(view.token).toBeUndefined();
    expect(view.secret).toBeUndefined();
    expect(view.connectURL).not.toContain(echo.token);
    expect(JSON.stringify(await json(await api('bob', '/sessions')))).not.toContain(echo.token);
    // bob's own token opens a socket to alice's session.
    const ws = await openWs(view.sessionURL);
    expect((await roundTrip(ws, 'from bob')).toString()).toBe('from bob');
    ws.close();

    const hello = await launch('hello');
    await share(hello.id, { user: 'bob' });
    const bobs = await json<{ connectURL: string }>(await api('bob', `/sessions/${hello.id}`));
    const page = await fetch(bobs.connectURL);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain(`from session ${hello.id}`);
  });

  it('shows the grantee the session in their list; nobody else sees or reaches it', async () => {
    const s = await launch('echo');
    await share(s.id, { user: 'bob' });
    const mine = await json<{ sessions: { id: string; sharedWithYou?: boolean }[] }>(await api('bob', '/sessions'));
    expect(mine.sessions.find((x) => x.id === s.id)).toMatchObject({ sharedWithYou: true });
    expect((await api('carol', `/sessions/${s.id}`)).status).toBe(404);
    expect(
      (await json<{ sessions: { id: string }[] }>(await api('carol', '/sessions'))).sessions.map((x) => x.id),
    ).not.toContain(s.id);
    // Without a token (carol's browser, say), the router does not let anyone in.
    expect(await upgradeStatus(`${server.url.replace('http', 'ws')}/s/${s.id}/`)).toBe(403);
  });

  it('lets only the owner (or an admin) stop, renew or share it; a grantee gets 403', async () => {
    const s = await launch('echo');
    await share(s.id, { user: 'bob' });
    expect((await api('bob', `/sessions/${s.id}`, { method: 'DELETE' })).status).toBe(403);
    expect((await api('bob', `/sessions/${s.id}/renew`, { method: 'POST' })).status).toBe(403);
    expect((await share(s.id, { user: 'carol' }, 'bob')).status).toBe(403);
    expect((await api('bob', `/sessions/${s.id}/shares`)).status).toBe(403);
    expect((await plane.deps.store.get(s.id))?.status).toBe('READY');
    expect((await api('alice', `/sessions/${s.id}`, { method: 'DELETE' })).status).toBeLessThan(300);
  });

  it("closes a grantee's open socket within the lookup cache when the owner revokes, and refuses them after", async () => {
    const s = await launch('echo');
    const granted = await json<{ id: string }>(await share(s.id, { user: 'bob' }));
    const { sessionURL } = await json<{ sessionURL: string }>(await api('bob', `/sessions/${s.id}`));
    const ws = await openWs(sessionURL);
    await roundTrip(ws, 'ping');
    const owner = await openWs(`${server.url.replace('http', 'ws')}/s/${s.id}/?token=${s.token}`);
    const closed = closeCode(ws);
    const t0 = Date.now();
    const revoked = await api('alice', `/sessions/${s.id}/shares/${granted.id}`, { method: 'DELETE' });
    expect([revoked.status, await revoked.text()]).toEqual([204, '']);
    expect(await closed).toMatchObject({ code: 1008 });
    const took = Date.now() - t0;
    // Within the lookup cache and the sweep: ample for a loaded machine.
    console.log(`a revoked grantee's socket closed after ${took} ms`);
    expect(took).toBeLessThan(LOOKUP_CACHE_MS * 2 + 15_000);
    // The owner's socket stays open; bob is refused from now on.
    expect((await roundTrip(owner, 'still here')).toString()).toBe('still here');
    owner.close();
    expect(await upgradeStatus(sessionURL)).toBe(403);
    expect((await api('bob', `/sessions/${s.id}`)).status).toBe(404);
    // Both are events in the session's log.
    const phases = (
      await json<{ events: { phase: string; message: string }[] }>(await api('alice', `/sessions/${s.id}/events`))
    ).events.map((e) => e.phase);
    expect(phases).toEqual(expect.arrayContaining(['shared', 'unshared']));
  });

  it('shares with a group, and a share runs out at its expiry', async () => {
    const s = await launch('echo');
    expect((await share(s.id, { group: 'viz' })).status).toBe(201);
    expect((await api('dave', `/sessions/${s.id}`)).status).toBe(200);
    expect((await api('bob', `/sessions/${s.id}`)).status).toBe(404);

    expect((await share(s.id, { user: 'carol', expiresInSeconds: 1 })).status).toBe(201);
    const { sessionURL } = await json<{ sessionURL: string }>(await api('carol', `/sessions/${s.id}`));
    expect(await upgradeStatus(sessionURL)).toBe(101);
    await waitFor(async () => (await api('carol', `/sessions/${s.id}`)).status === 404, 5000, 'the share ran out');
    await waitFor(async () => (await upgradeStatus(sessionURL)) === 403, 5000, 'the router refuses the expired share');
    const listed = await json<{ shares: { user?: string; group?: string }[] }>(
      await api('alice', `/sessions/${s.id}/shares`),
    );
    expect(listed.shares).toEqual([expect.objectContaining({ group: 'viz' })]);
  });

  it('refuses bad grants in the API’s shape and changes nothing', async () => {
    const s = await launch('echo');
    for (const body of [
      {},
      { user: 'bob', group: 'viz' },
      { user: 'alice' },
      { user: 'bob', expiresInSeconds: 0 },
      { user: 'bob', extra: 1 },
    ]) {
      const res = await share(s.id, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
    }
    expect((await plane.deps.store.get(s.id))?.shares ?? []).toEqual([]);
    expect((await api('alice', `/sessions/${s.id}/shares/0123456789abcdef`, { method: 'DELETE' })).status).toBe(404);
  });

  it('refuses a dot segment in the path rather than let it reach another route (#33: %2e%2e stopped the session)', async () => {
    const s = await launch('echo');
    for (const tail of ['%2e%2e', '%2E%2e', '..', '.', '%2e']) {
      const res = await rawRequest(
        'DELETE',
        server.url,
        { authorization: `Bearer ${TOKENS.alice}` },
        `/sessions/${s.id}/shares/${tail}`,
      );
      expect(res.status, tail).toBe(400);
      expect(res.headers['content-type']).toBe('application/problem+json');
    }
    expect((await plane.deps.store.get(s.id))?.status).toBe('READY');
  });
});
