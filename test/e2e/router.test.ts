import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawGet } from '../support/http';
import { startServer, type ServerProcess } from '../support/server';
import { waitFor } from '../support/wait';
import { closeCode, openWs, roundTrip, upgradeStatus } from '../support/ws';

interface Launched {
  id: string;
  token: string;
  sessionURL: string;
  connectURL: string;
}

describe('router on npm start: reaching sessions by their URLs', () => {
  let server: ServerProcess;
  const launch = async (app: string): Promise<Launched> => {
    const res = await server.api(`/sessions`, { method: 'POST', body: JSON.stringify({ app }) });
    expect(res.status).toBe(202);
    return (await res.json()) as Launched;
  };
  const session = async (id: string) => (await (await server.api(`/sessions/${id}`)).json()) as Record<string, string>;
  const ready = (id: string) => waitFor(async () => (await session(id)).status === 'READY', 15_000, 'READY');

  beforeAll(async () => {
    server = await startServer({
      SESSIONPLANE_ACTIVITY_INTERVAL: '200ms',
      SESSIONPLANE_LOOKUP_CACHE: '300ms',
      SESSIONPLANE_MAX_SESSIONS_PER_USER: '50',
    });
  });
  afterAll(async () => {
    await server?.stop();
    rmSync(server.dataDir, { recursive: true, force: true });
  });

  it('holds a socket opened before READY, then echoes messages through it, 4 MiB included', async () => {
    const s = await launch('echo');
    const ws = await openWs(s.sessionURL); // at once: the session is still starting
    expect((await session(s.id)).status).toBe('READY');
    expect((await roundTrip(ws, 'hello')).toString()).toBe('hello');
    const big = randomBytes(4 * 1024 * 1024);
    expect((await roundTrip(ws, big)).equals(big)).toBe(true);
    ws.close();
  });

  it('accepts the sessionURL lower-cased whole, as the trame client sends it', async () => {
    const s = await launch('echo');
    await ready(s.id);
    expect(s.sessionURL).toContain('sessionId=');
    const ws = await openWs(s.sessionURL.toLowerCase());
    expect((await roundTrip(ws, 'lower')).toString()).toBe('lower');
    ws.close();
  });

  it('serves an HTTP app at its connectURL: the token moves into a path-scoped cookie', async () => {
    const s = await launch('hello');
    const nav = await rawGet(s.connectURL, { accept: 'text/html', 'sec-fetch-mode': 'navigate' });
    expect(nav.status).toBe(302);
    expect(nav.headers.location).toBe(`/s/${s.id}/`);
    const cookie = (nav.headers['set-cookie'] as string[])[0]!;
    expect(cookie).toMatch(
      new RegExp(`^sessionplane_token=${s.token}; Max-Age=\\d+; Path=/s/${s.id}/; HttpOnly; SameSite=Lax$`),
    );
    const page = await fetch(`${server.base}/s/${s.id}/`, { headers: { cookie: cookie.split(';')[0]! } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain(`Hello from session ${s.id}`);
    const api = await fetch(`${server.base}/s/${s.id}/api/visits`, { headers: { cookie: cookie.split(';')[0]! } });
    expect(await api.json()).toEqual({ visits: 1 });
    // curl: no redirect, the token in the query is enough.
    const direct = await fetch(s.connectURL);
    expect(direct.status).toBe(200);
    // The trame image's /api/<id>/ rule reaches the same app.
    const viaApi = await fetch(`${server.base}/api/${s.id}/api/visits?token=${s.token}`);
    expect(await viaApi.json()).toEqual({ visits: 2 });
  });

  it("refuses a wrong token, no token, another session's token, an unknown id and a stopped session", async () => {
    const a = await launch('echo');
    const b = await launch('hello');
    await ready(a.id);
    await ready(b.id);
    const ws = (id: string, token?: string) =>
      `${server.base.replace('http', 'ws')}/proxy?sessionId=${id}&path=ws${token ? `&token=${token}` : ''}`;
    const http = async (path: string) => (await fetch(`${server.base}${path}`)).status;

    expect(await upgradeStatus(ws(a.id, 'f'.repeat(40)))).toBe(403);
    expect(await upgradeStatus(ws(a.id))).toBe(403);
    expect(await upgradeStatus(ws(a.id, b.token))).toBe(403);
    expect(await upgradeStatus(ws('0'.repeat(32), a.token))).toBe(404);
    expect(await http(`/s/${b.id}/?token=${'f'.repeat(40)}`)).toBe(403);
    expect(await http(`/s/${b.id}/`)).toBe(403);
    expect(await http(`/s/${b.id}/?token=${a.token}`)).toBe(403);
    expect(await http(`/s/${'0'.repeat(32)}/?token=${a.token}`)).toBe(404);
    const refused = await fetch(`${server.base}/s/${b.id}/`);
    expect(refused.headers.get('content-type')).toBe('application/problem+json');
    expect(await refused.json()).toMatchObject({ status: 403, code: 'session.forbidden' });

    await server.api(`/sessions/${b.id}`, { method: 'DELETE' });
    await waitFor(async () => (await http(`/s/${b.id}/?token=${b.token}`)) === 404, 5_000, 'stopped session refused');
  });

  it('counts WebSocket traffic as activity, visible in GET /sessions/{id}', async () => {
    const s = await launch('echo');
    await ready(s.id);
    const before = Date.parse((await session(s.id)).lastActivityAt!);
    const ws = await openWs(s.sessionURL);
    await new Promise((r) => setTimeout(r, 300));
    await roundTrip(ws, 'tick');
    await waitFor(
      async () => Date.parse((await session(s.id)).lastActivityAt!) > before + 250,
      5_000,
      'activity recorded',
    );
    ws.close();
  });

  it("closes a stopped session's open sockets", async () => {
    const s = await launch('echo');
    await ready(s.id);
    const ws = await openWs(s.sessionURL);
    const closed = closeCode(ws);
    await server.api(`/sessions/${s.id}`, { method: 'DELETE' });
    expect((await closed).code).toBe(1001);
  });
});
