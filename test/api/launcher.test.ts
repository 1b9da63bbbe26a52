import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalServer } from '../../functions/local/http-server';
import { ECHO_ARGS, echoApp, fixtureApp } from '../support/apps';
import { startTestPlane, type TestPlane } from '../support/plane';
import { openWs, roundTrip } from '../support/ws';

// The echo app, ready only after 1.5 s: longer than the launcher waits.
const slowEcho = echoApp({
  command: [process.execPath, '-e', 'setTimeout(() => import(process.argv[1]), 1500)', ...ECHO_ARGS],
});

describe('wslink launcher: deadline and failures', () => {
  let plane: TestPlane;
  let server: LocalServer;
  const post = (body: string) =>
    fetch(`${server.url}/paraview/`, { method: 'POST', body, headers: { 'x-test-user': 'lin' } });
  /** Ends a session a test is done with: the next tests start under lin's cap (5) whatever the machine's pace. */
  const end = (id: string) =>
    fetch(`${server.url}/paraview/${id}`, { method: 'DELETE', headers: { 'x-test-user': 'lin' } });

  beforeAll(async () => {
    plane = await startTestPlane(
      {
        slow: slowEcho,
        broken: fixtureApp([], { command: ['/nonexistent/app'] }),
        // Never ready, with a launch timeout no longer than the launcher's wait (the defaults' case: 25 s both).
        stuck: fixtureApp(['--mode', 'hang'], { launchTimeoutMs: 300 }),
        stuckSooner: fixtureApp(['--mode', 'hang'], { launchTimeoutMs: 150 }),
        sized: fixtureApp([], { profiles: [{ name: 'small', resources: { cpu: 0.5, memory: 256, gpus: 0 } }] }),
        reused: fixtureApp([], { launcherReuse: true }),
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
    const small = ((await profiled.json()) as { id: string }).id;
    expect((await plane.deps.store.get(small))?.resources).toMatchObject({ cpu: 0.5, memory: 256 });
    await Promise.all([end(id), end(small)]);
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
    await end(reply.id);
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

  it("reuses a live session only where the app says so (launcherReuse); a retry after a failed start with a client's key gets that failure again (#35)", async () => {
    const a = (await (await post('{"application":"reused"}')).json()) as { id: string };
    const b = (await (await post('{"application":"reused"}')).json()) as { id: string };
    expect(b.id).toBe(a.id);
    await fetch(`${server.url}/paraview/${a.id}`, { method: 'DELETE', headers: { 'x-test-user': 'lin' } });
    const c = (await (await post('{"application":"reused"}')).json()) as { id: string };
    expect(c.id).not.toBe(a.id); // that one ended: a new request
    await fetch(`${server.url}/paraview/${c.id}`, { method: 'DELETE', headers: { 'x-test-user': 'lin' } });

    // An Idempotency-Key names one attempt: its retries get that attempt's outcome, not a new FAILED session each.
    const keyed = (body: string) =>
      fetch(`${server.url}/paraview/`, {
        method: 'POST',
        body,
        headers: { 'x-test-user': 'lin', 'idempotency-key': 'broken-attempt-1' },
      });
    const broken = async () =>
      (await plane.deps.store.listByOwner('lin', { limit: 100 })).items.filter((s) => s.app === 'broken').length;
    const before = await broken();
    const first = await keyed('{"application":"broken"}');
    const again = await keyed('{"application":"broken"}');
    expect([first.status, again.status]).toEqual([503, 503]);
    expect(await broken()).toBe(before + 1);
  });
});
