import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalServer } from '../../functions/local/http-server';
import { sessionCredentials } from '../../shared/services/credentials';
import { fixtureApp } from '../support/apps';
import { startTestPlane, type TestPlane } from '../support/plane';
import { waitFor } from '../support/wait';
import { openWs } from '../support/ws';

const echoWs = fixtureApp([], {
  command: [process.execPath, join('examples', 'apps', 'echo-ws.mjs'), '--host', '${host}', '--port', '${port}'],
  ready: { kind: 'line', line: 'App running at' },
  // Idle after 1.5 s (warned at 1 s): the reaper, every 100 ms, stops a session nobody uses within a few seconds.
  idleTimeoutMs: 1500,
  warnBeforeMs: 500,
});
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
// An app that says it is busy by itself for 4.5 s (3× its idle timeout), nobody connected, then falls silent: what a
// render loop or a kernel does with SESSION_ACTIVITY_URL and SESSION_SECRET from its environment.
const REPORTER = `
const [host, port] = process.argv.slice(1);
require('node:http').createServer((q, s) => s.end('ok')).listen(Number(port), host);
console.log('reporting to', process.env.SESSION_ACTIVITY_URL);
const end = Date.now() + 4500;
const report = () => fetch(process.env.SESSION_ACTIVITY_URL, {
  method: 'POST', headers: { authorization: 'Bearer ' + process.env.SESSION_SECRET },
}).then((r) => console.log('activity', r.status), (e) => console.log('activity error', e.message));
const timer = setInterval(() => (Date.now() > end ? clearInterval(timer) : report()), 300);
`;
// An app whose work is its CPU (a render, a solver): a tenth of every 50 ms busy (about 0.4 vCPU where it gets
// it) for 4.5 s, nobody connected, nothing reported; its CPU rule (busyCpu 0.02, far below) keeps it.
const BURNER = `
const [host, port, burn] = process.argv.slice(1);
require('node:http').createServer((q, s) => s.end('ok')).listen(Number(port), host);
const end = Date.now() + (burn === 'burn' ? 4500 : 0);
const timer = setInterval(() => {
  if (Date.now() > end) return clearInterval(timer);
  const until = Date.now() + 20;
  while (Date.now() < until);
}, 50);
`;
const burner = fixtureApp([], {
  name: 'burner',
  command: [process.execPath, '-e', BURNER, '${host}', '${port}', '${MODE}'],
  params: { MODE: { type: 'string', enum: ['burn', 'rest'], default: 'rest', required: false, maxLength: 8 } },
  busyCpu: 0.02,
  idleTimeoutMs: 1500,
  warnBeforeMs: 500,
});
const reporter = fixtureApp([], {
  name: 'reporter',
  command: [process.execPath, '-e', REPORTER, '${host}', '${port}'],
  idleTimeoutMs: 1500,
  warnBeforeMs: 500,
});

/** #37: activity that means work. The app's own report keeps it; a socket nobody types into does not, after its limit. */
describe('activity that means work', () => {
  let plane: TestPlane;
  let server: LocalServer;
  beforeAll(async () => {
    plane = await startTestPlane(
      { echo: echoWs, reporter, burner },
      {
        SESSIONPLANE_REAPER_INTERVAL: '100ms',
        SESSIONPLANE_ACTIVITY_INTERVAL: '200ms',
        SESSIONPLANE_SOCKET_INPUT_IDLE: '1s',
        SESSIONPLANE_LOOKUP_CACHE: '0ms',
        SESSIONPLANE_MAX_SESSIONS_PER_USER: '10',
      },
    );
    server = await plane.listen();
  });
  afterAll(async () => plane?.dispose());

  const launch = async () => {
    const res = await plane.request('/sessions', { method: 'POST', body: '{"app":"echo"}' });
    const s = (await res.json()) as { id: string; sessionURL: string };
    await waitFor(async () => (await plane.deps.store.get(s.id))?.status === 'READY', 20_000, 'READY');
    return s;
  };
  const report = (id: string, secret: string) =>
    fetch(`${server.url}/sessions/${id}/activity`, { method: 'POST', headers: { authorization: `Bearer ${secret}` } });
  const status = async (id: string) => (await plane.deps.store.get(id))!;

  it('keeps a session nobody has open alive while its app reports work (3× its idle timeout), and only then lets it go', async () => {
    const { id } = await launch();
    const secret = sessionCredentials(plane.deps, id).secret;
    // Nobody else may: a wrong secret, or none, is told there is no such session.
    expect((await report(id, 'x'.repeat(40))).status).toBe(404);
    expect((await fetch(`${server.url}/sessions/${id}/activity`, { method: 'POST' })).status).toBe(404);
    const until = Date.now() + 4500;
    while (Date.now() < until) {
      expect((await report(id, secret)).status).toBe(202);
      await sleep(300);
    }
    expect((await status(id)).status).toBe('READY');
    // Its app falls silent: stopped as idle.
    const stopped = await waitFor(
      async () => ((await status(id)).status === 'STOPPED' ? status(id) : undefined),
      20_000,
      'idle stop',
    );
    expect(stopped.statusReason).toBe('idle');
    // A stopped one's reports are refused, in the problem's shape.
    const late = await report(id, secret);
    expect(late.status).toBe(409);
    expect(((await late.json()) as { code: string }).code).toBe('session.conflict');
  }, 60_000);

  it('an app reports its own work at SESSION_ACTIVITY_URL with its SESSION_SECRET, and is kept while it does', async () => {
    const res = await plane.request('/sessions', { method: 'POST', body: '{"app":"reporter"}' });
    const { id } = (await res.json()) as { id: string };
    await waitFor(async () => (await status(id)).status === 'READY', 20_000, 'READY');
    const readyAt = Date.now();
    await waitFor(async () => Date.now() - readyAt > 4000, 10_000, '4 s');
    expect((await status(id)).status).toBe('READY');
    const stopped = await waitFor(
      async () => ((await status(id)).status === 'STOPPED' ? status(id) : undefined),
      20_000,
      'idle stop once it falls silent',
    );
    expect(stopped.statusReason).toBe('idle');
    const log = await (await plane.request(`/sessions/${id}/logs`)).text();
    expect(log).toContain(`reporting to ${server.url}/sessions/${id}/activity`);
    expect(log.match(/activity 202/g)?.length).toBeGreaterThan(5);
  }, 60_000);

  it('keeps a session whose app works its CPU above its rule (3x its idle timeout); its resting twin is idle-stopped first', async () => {
    const start = async (mode: string) => {
      const body = JSON.stringify({ app: 'burner', params: { MODE: mode } });
      const { id } = (await (await plane.request('/sessions', { method: 'POST', body })).json()) as { id: string };
      await waitFor(async () => (await status(id)).status === 'READY', 20_000, `${mode} READY`);
      return id;
    };
    const [busy, resting] = [await start('burn'), await start('rest')];
    const stopped = async (id: string) =>
      waitFor(async () => ((await status(id)).status === 'STOPPED' ? status(id) : undefined), 20_000, `${id} stops`);
    expect((await stopped(resting)).statusReason).toBe('idle');
    // Stopped as idle only once its work is done: never before its busy 4.5 s.
    const done = await stopped(busy);
    expect(done.statusReason).toBe('idle');
    expect(done.stoppedAt! - done.readyAt!).toBeGreaterThan(4500);
  }, 60_000);

  it('stops counting a socket held open with no input after its limit; one its client uses keeps its session', async () => {
    const quiet = await launch();
    const busy = await launch();
    const quietWs = await openWs(quiet.sessionURL.replace(/^ws:\/\/[^/]+/, server.url.replace('http', 'ws')));
    const busyWs = await openWs(busy.sessionURL.replace(/^ws:\/\/[^/]+/, server.url.replace('http', 'ws')));
    const typing = setInterval(() => busyWs.send('still here'), 300);
    try {
      const stopped = await waitFor(
        async () => ((await status(quiet.id)).status === 'STOPPED' ? status(quiet.id) : undefined),
        20_000,
        'the quiet socket’s session stopped as idle',
      );
      expect(stopped.statusReason).toBe('idle');
      // The busy one, with the same idle timeout, all along: READY.
      expect((await status(busy.id)).status).toBe('READY');
      const events = (await plane.deps.events.list(busy.id)).map((e) => e.phase);
      expect(events).not.toContain('reaped');
    } finally {
      clearInterval(typing);
      quietWs.close();
      busyWs.close();
    }
  }, 60_000);
});
