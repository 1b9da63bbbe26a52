import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalServer } from '../../functions/local/http-server';
import { fixtureApp } from '../support/apps';
import { startTestPlane, type TestPlane } from '../support/plane';
import { openWs, roundTrip } from '../support/ws';

const slowEcho = fixtureApp([], {
  // The echo app, ready only after 1.5 s: longer than the launcher waits.
  command: [
    process.execPath,
    '-e',
    'setTimeout(() => import(process.argv[1]), 1500)',
    join(process.cwd(), 'examples/apps/echo-ws.mjs'),
    '--host',
    '${host}',
    '--port',
    '${port}',
  ],
  ready: { kind: 'line', line: 'App running at' },
});

describe('wslink launcher: deadline and failures', () => {
  let plane: TestPlane;
  let server: LocalServer;
  const post = (body: string) => fetch(`${server.url}/paraview/`, { method: 'POST', body, headers: { 'x-test-user': 'lin' } });

  beforeAll(async () => {
    plane = await startTestPlane(
      {
        slow: slowEcho,
        broken: fixtureApp([], { command: ['/nonexistent/app'] }),
        // Never ready, with a launch timeout no longer than the launcher's wait (the defaults' case: 25 s both).
        stuck: fixtureApp(['--mode', 'hang'], { launchTimeoutMs: 300 }),
        stuckSooner: fixtureApp(['--mode', 'hang'], { launchTimeoutMs: 150 }),
      },
      { SESSIONPLANE_LAUNCHER_TIMEOUT: '300ms' },
    );
    server = await plane.listen();
  });
  afterAll(async () => plane?.dispose());

  it('replies with the sessionURL at the deadline, and the router holds the socket until READY', async () => {
    const t0 = Date.now();
    const res = await post('{"application":"slow"}');
    expect(Date.now() - t0).toBeLessThan(1400);
    expect(res.status).toBe(200);
    const reply = (await res.json()) as { id: string; sessionURL: string; status: string };
    expect(['PENDING', 'STARTING']).toContain(reply.status);
    const ws = await openWs(reply.sessionURL); // held by the router until the app is ready
    expect((await roundTrip(ws, 'late but here')).toString()).toBe('late but here');
    ws.close();
  });

  it.each(['stuck', 'stuckSooner'])(
    'answers 503 {"error"} for an app (%s) whose launch timeout ends before the reply, not 200 with a socket that finds it gone',
    async (application) => {
      const res = await post(JSON.stringify({ application }));
      expect(res.status).toBe(503);
      const body = (await res.json()) as { error: string };
      expect(Object.keys(body)).toEqual(['error']);
      expect(body.error).toMatch(/launch-timeout/);
    },
  );

  it('answers a start that fails with 503 {"error"}, as the launcher does', async () => {
    const res = await post('{"application":"broken"}');
    expect(res.status).toBe(503);
    const body = (await res.json()) as { error: string };
    expect(Object.keys(body)).toEqual(['error']);
    expect(body.error).toMatch(/Could not start/);
  });
});
