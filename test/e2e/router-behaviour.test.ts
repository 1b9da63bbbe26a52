import { request, type IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalServer } from '../../functions/local/http-server';
import { fixtureApp } from '../support/apps';
import { startTestPlane, type TestPlane } from '../support/plane';
import { waitFor } from '../support/wait';
import { closeCode, openWs, roundTrip, upgradeStatus } from '../support/ws';

const echoWs = fixtureApp([], {
  command: [process.execPath, join('examples', 'apps', 'echo-ws.mjs'), '--host', '${host}', '--port', '${port}'],
  ready: { kind: 'line', line: 'App running at' },
});

describe('router behaviour (in-process local server, real sockets)', () => {
  let plane: TestPlane;
  let server: LocalServer;
  const launch = async (app: string) => {
    const res = await fetch(`${server.url}/sessions`, {
      method: 'POST',
      body: JSON.stringify({ app }),
      headers: { 'x-test-user': 'alice' },
    });
    return (await res.json()) as { id: string; token: string; sessionURL: string; connectURL: string };
  };

  beforeAll(async () => {
    plane = await startTestPlane(
      {
        web: fixtureApp(),
        keepPrefix: fixtureApp([], { stripPrefix: false }),
        never: fixtureApp(['--mode', 'hang'], { launchTimeoutMs: 800 }),
        echo: echoWs,
        framed: fixtureApp([], { frameAncestors: "'self' https://portal.example.org" }),
      },
      { SESSIONPLANE_LOOKUP_CACHE: '200ms' },
    );
    server = await plane.listen();
  });
  afterAll(async () => plane?.dispose());

  it('never passes the token to the app, and tells it where the request came from', async () => {
    const s = await launch('web');
    const res = await fetch(`${server.url}/s/${s.id}/x/y?a=1&token=${s.token}`, {
      // The browser sends every cookie of the origin: the session's token, and the portal's and a visitor's sign-in.
      headers: {
        cookie: `theme=dark; sessionplane_token=${s.token}; sessionplane_portal=v1.signed-in; sessionplane_visitor=abc.def; lang=en`,
      },
    });
    const seen = (await res.json()) as { path: string; headers: Record<string, string> };
    expect(seen.path).toBe('/x/y?a=1');
    // None of ours reaches the app: an app (a user's own image, one shared with others) never holds a sign-in.
    expect(seen.headers.cookie).toBe('theme=dark; lang=en');
    expect(seen.headers['x-forwarded-prefix']).toBe(`/s/${s.id}`);
    expect(seen.headers['x-forwarded-for']).toBe('127.0.0.1');
    expect(seen.headers['x-forwarded-proto']).toBe('http');
    expect(JSON.stringify(seen)).not.toContain(s.token);
  });

  it('sends isolation headers on session pages, with the frame ancestors an app names (#11 C1)', async () => {
    const plain = await launch('web');
    const res = await fetch(`${server.url}/s/${plain.id}/?token=${plain.token}`, {
      headers: { 'sec-fetch-mode': 'cors' },
    });
    expect(res.headers.get('referrer-policy')).toBe('same-origin');
    expect(res.headers.get('cross-origin-opener-policy')).toBe('same-origin');
    expect(res.headers.get('x-frame-options')).toBe('SAMEORIGIN');
    expect(res.headers.get('content-security-policy')).toBe("frame-ancestors 'self'");
    const framed = await launch('framed');
    const res2 = await fetch(`${server.url}/s/${framed.id}/?token=${framed.token}`, {
      headers: { 'sec-fetch-mode': 'cors' },
    });
    expect(res2.headers.get('content-security-policy')).toBe("frame-ancestors 'self' https://portal.example.org");
    expect(res2.headers.get('x-frame-options')).toBeNull(); // it would forbid the portal's frame
    for (const id of [plain.id, framed.id])
      await fetch(`${server.url}/sessions/${id}`, { method: 'DELETE', headers: { 'x-test-user': 'alice' } });
  });

  it('keeps the /s/<id> prefix for an app that asks for it', async () => {
    const s = await launch('keepPrefix');
    const seen = (await (await fetch(`${server.url}/s/${s.id}/lab?token=${s.token}`)).json()) as { path: string };
    expect(seen.path).toBe(`/s/${s.id}/lab`);
  });

  it('redirects /s/<id> to /s/<id>/, and serves plain HTTP on /proxy', async () => {
    const s = await launch('web');
    const bare = await fetch(`${server.url}/s/${s.id}?token=${s.token}`, { redirect: 'manual' });
    expect(bare.status).toBe(301);
    expect(bare.headers.get('location')).toBe(`/s/${s.id}/?token=${s.token}`);
    const plain = (await (
      await fetch(`${server.url}/proxy?sessionId=${s.id}&path=healthz&token=${s.token}`)
    ).json()) as { path: string };
    expect(plain.path).toBe('/healthz');
  });

  it('answers 503 problem+json to a request and a socket that wait past the launch timeout', async () => {
    // The clock starts before the launch: its 800 ms timeout runs from the launch, and a busy machine may spend
    // most of it answering the POST. Load can only make the wait longer.
    const t0 = Date.now();
    const s = await launch('never');
    const [http, ws] = await Promise.all([fetch(s.connectURL), upgradeStatus(s.sessionURL)]);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(750);
    expect(http.status).toBe(503);
    expect(await http.json()).toMatchObject({ status: 503, code: 'session.not_ready' });
    expect(ws).toBe(503);
  });

  it('closes proxied sockets with 1001 when it shuts down', async () => {
    const s = await launch('echo');
    const ws = await openWs(s.sessionURL);
    expect((await roundTrip(ws, 'before')).toString()).toBe('before');
    const closed = closeCode(ws);
    await plane.router.shutdown();
    expect(await closed).toEqual({ code: 1001, reason: 'router shutting down' });
    await waitFor(() => ws.readyState === ws.CLOSED, 2000, 'socket closed');
  });
});

describe('router with a session domain', () => {
  let plane: TestPlane;
  let server: LocalServer;
  beforeAll(async () => {
    plane = await startTestPlane({ web: fixtureApp() }, { SESSIONPLANE_SESSION_DOMAIN: 'localhost' });
    server = await plane.listen();
  });
  afterAll(async () => plane?.dispose());

  it("sends /s/<id>/… on the shared origin to the session's own host (307), setting no cookie there", async () => {
    const res = await fetch(`${server.url}/sessions`, {
      method: 'POST',
      body: '{"app":"web"}',
      headers: { 'x-test-user': 'alice' },
    });
    const s = (await res.json()) as { id: string; token: string; connectURL: string };
    const port = new URL(server.url).port;
    expect(s.connectURL).toBe(`http://${s.id}.localhost:${port}/?token=${s.token}`);
    const moved = await fetch(`${server.url}/s/${s.id}/x/y?a=1&token=${s.token}`, { redirect: 'manual' });
    expect(moved.status).toBe(307);
    expect(moved.headers.get('location')).toBe(`http://${s.id}.localhost:${port}/s/${s.id}/x/y?a=1&token=${s.token}`); // the host serves the prefixed path too
    expect(moved.headers.get('set-cookie')).toBeNull();
    // On its own host (Host header: Node cannot resolve *.localhost) the cookie is host-only, path /.
    const home = await new Promise<IncomingMessage>((resolve, reject) => {
      request(
        {
          host: '127.0.0.1',
          port,
          path: `/x?token=${s.token}`,
          headers: {
            host: `${s.id}.localhost:${port}`,
            'sec-fetch-mode': 'navigate',
            'sec-fetch-dest': 'document',
            accept: 'text/html',
          },
        },
        resolve,
      )
        .on('error', reject)
        .end();
    });
    expect(home.statusCode).toBe(302);
    const cookie = String(home.headers['set-cookie']);
    expect(cookie).toMatch(/Path=\//);
    expect(cookie).not.toMatch(/Domain=/i);
  });
});
