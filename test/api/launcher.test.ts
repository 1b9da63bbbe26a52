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
  const post = (body: string) =>
    fetch(`${server.url}/paraview/`, { method: 'POST', body, headers: { 'x-test-user': 'lin' } });

  beforeAll(async () => {
    plane = await startTestPlane(
      {
        slow: slowEcho,
        broken: fixtureApp([], { command: ['/nonexistent/app'] }),
        // Never ready, with a launch timeout no longer than the launcher's wait (the defaults' case: 25 s both).
        stuck: fixtureApp(['--mode', 'hang'], { launchTimeoutMs: 300 }),
        stuckSooner: fixtureApp(['--mode', 'hang'], { launchTimeoutMs: 150 }),
        sized: fixtureApp([], { profiles: [{ name: 'small', resources: { cpu: 0.5, memory: 256, gpus: 0 } }] }),
      },
      { SESSIONPLANE_LAUNCHER_TIMEOUT: '300ms' },
    );
    server = await plane.listen();
  });
  afterAll(async () => plane?.dispose());

  it('launches at the size a body asks for (resources, profile), as POST /sessions does, and refuses a bad one in its shape (#33)', async () => {
    const sized = await post(JSON.stringify({ application: 'sized', resources: { cpu: 1.5, memory: 768 } }));
    expect(sized.status).toBe(200);
    const { id } = (await sized.json()) as { id: string };
    expect((await plane.deps.store.get(id))?.resources).toMatchObject({ cpu: 1.5, memory: 768 });
    const profiled = await post(JSON.stringify({ application: 'sized', profile: 'small' }));
    expect(profiled.status).toBe(200);
    expect((await plane.deps.store.get(((await profiled.json()) as { id: string }).id))?.resources).toMatchObject({
      cpu: 0.5,
      memory: 256,
    });
    for (const body of [{ resources: { cpu: 'lots' } }, { resources: { cpu: 99 } }, { profile: 'huge' }]) {
      const res = await post(JSON.stringify({ application: 'sized', ...body }));
      expect(res.status, JSON.stringify(body)).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
      expect(Object.keys((await res.json()) as object)).toEqual(['error']);
    }
  });

  it('replies with the sessionURL at the deadline, and the router holds the socket until READY', async () => {
    const res = await post('{"application":"slow"}');
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
