import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalProcessRuntime } from '../../shared/adapters/runtime/local-process/local-process-runtime';
import { RuntimeStartError } from '../../shared/domain/errors';
import type { RuntimeEvent } from '../../shared/ports/runtime';
import { fixtureApp } from '../support/apps';
import { eventWaiter, localRuntimeIn } from '../support/local-runtime';
import { makeSession } from '../support/sessions';
import { pidAlive, waitFor, waitForText } from '../support/wait';

describe('LocalProcessRuntime', () => {
  let dir: string;
  let runtime: LocalProcessRuntime;
  const events: RuntimeEvent[] = [];
  const eventFor = eventWaiter(events);

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'sp-local-'));
    runtime = localRuntimeIn(dir, events);
  });
  afterAll(async () => {
    await runtime.stopAll('test');
    rmSync(dir, { recursive: true, force: true });
  });

  it.each([
    [
      'a ready line',
      fixtureApp(['--delay', '200', '--ready-line', 'App running at'], {
        ready: { kind: 'line', line: 'App running at' },
      }),
    ],
    ['a TCP probe', fixtureApp(['--delay', '300'], { ready: { kind: 'tcp' } })],
    ['an HTTP probe', fixtureApp(['--healthy-after', '400'], { ready: { kind: 'http', path: '/healthz' } })],
  ])('becomes ready by %s, and the app answers at the endpoint', async (_kind, app) => {
    const session = makeSession();
    const { runtimeId } = await runtime.start({ session, app, secret: 's' });
    expect((await runtime.inspect(runtimeId)).phase).toBe('starting');
    const ready = await eventFor(session.id, 'ready');
    expect(ready).toMatchObject({ runtimeId });
    const res = await fetch(`http://${(ready as { endpoint: string }).endpoint}/healthz`);
    expect(res.status).toBe(200);
    expect((await runtime.inspect(runtimeId)).phase).toBe('ready');
    await runtime.stop(runtimeId, 'test');
  });

  it('does not take a ready line split across two output chunks for less than it is', async () => {
    const session = makeSession();
    const script =
      "process.stdout.write('App run'); setTimeout(() => process.stdout.write('ning at\\n'), 200); setInterval(() => {}, 1000)";
    const app = fixtureApp([], {
      command: [process.execPath, '-e', script],
      ready: { kind: 'line', line: 'App running at' },
    });
    await runtime.start({ session, app, secret: 's' });
    await eventFor(session.id, 'ready');
    expect(events.filter((e) => e.sessionId === session.id && e.type === 'ready')).toHaveLength(1);
  });

  it("sees a Python app's ready line as it prints it, not when its buffer fills (PYTHONUNBUFFERED, #35)", async () => {
    const session = makeSession();
    // As pvpython's "Starting factory": printed once, then the app serves for good.
    const script = [
      'import http.server, sys',
      "s = http.server.HTTPServer(('127.0.0.1', int(sys.argv[1])), http.server.SimpleHTTPRequestHandler)",
      "print('Starting factory')",
      's.serve_forever()',
    ].join('\n');
    const app = fixtureApp([], {
      command: ['python3', '-c', script, '${port}'],
      ready: { kind: 'line', line: 'Starting factory' },
      launchTimeoutMs: 60_000,
    });
    await runtime.start({ session, app, secret: 's' });
    expect(await eventFor(session.id, 'ready')).toMatchObject({ type: 'ready' });
  });

  it('reports an app that exits before it is ready, and frees its port', async () => {
    const session = makeSession();
    const { runtimeId } = await runtime.start({
      session,
      app: fixtureApp(['--mode', 'exit', '--delay', '100']),
      secret: 's',
    });
    const exited = await eventFor(session.id, 'exited');
    expect(exited).toMatchObject({ code: 3, wasReady: false });
    expect(events.find((e) => e.sessionId === session.id && e.type === 'ready')).toBeUndefined();
    expect(await runtime.inspect(runtimeId)).toMatchObject({
      phase: 'stopped',
      exit: { code: 3, reason: 'exited-before-ready' },
    });
    expect(await runtime.list()).not.toContainEqual(expect.objectContaining({ sessionId: session.id }));
  });

  it('fails an app that never becomes ready within the launch timeout, and leaves no process', async () => {
    const session = makeSession();
    const { runtimeId } = await runtime.start({
      session,
      app: fixtureApp(['--mode', 'hang', '--child'], { launchTimeoutMs: 800 }),
      secret: 's',
    });
    const failed = await eventFor(session.id, 'failed');
    expect(failed).toMatchObject({ reason: 'launch-timeout' });
    await eventFor(session.id, 'exited');
    const pid = Number(runtimeId.split(':')[2]);
    const childPid = Number((await waitForText(runtime.logPath(session.id), /CHILD (\d+)/))[1]);
    await waitFor(() => !pidAlive(pid) && !pidAlive(childPid), 5000, 'processes gone');
  });

  it('stops the whole process group, with SIGKILL for an app that ignores SIGTERM', async () => {
    const session = makeSession();
    const { runtimeId } = await runtime.start({ session, app: fixtureApp(['--child', '--ignore-term']), secret: 's' });
    await eventFor(session.id, 'ready');
    const childPid = Number((await waitForText(runtime.logPath(session.id), /CHILD (\d+)/))[1]);
    const pid = Number(runtimeId.split(':')[2]);
    expect(pidAlive(childPid)).toBe(true);
    const t0 = Date.now();
    await expect(runtime.stop(runtimeId, 'user')).resolves.toEqual({ confirmed: true });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(900); // the grace period was honoured
    expect(pidAlive(pid)).toBe(false);
    await waitFor(() => !pidAlive(childPid), 2000, 'grandchild gone');
    await waitForText(runtime.logPath(session.id), /ignoring SIGTERM/);
  });

  it("passes the session env and the params, and none of the server's own environment", async () => {
    const session = makeSession({ params: { MODE: 'fast' } });
    const app = fixtureApp([], { env: { EXTRA: '1' } });
    process.env.AWS_SECRET_ACCESS_KEY = 'must-not-leak';
    try {
      await runtime.start({ session, app, secret: 'the-secret' });
    } finally {
      delete process.env.AWS_SECRET_ACCESS_KEY;
    }
    const ready = (await eventFor(session.id, 'ready')) as { endpoint: string };
    const body = (await (await fetch(`http://${ready.endpoint}/x`)).json()) as { env: Record<string, unknown> };
    expect(body.env).toEqual({
      SESSION_ID: session.id,
      PORT: ready.endpoint.split(':')[1],
      SESSION_BASE_PATH: `/s/${session.id}/`,
      MODE: 'fast',
      SECRET_SET: true,
      SESSION_USER: 'alice',
      JPY_USER: 'alice',
      USER: 'alice',
      URL_ID: session.id,
      JPY_BASE_USER_URL: `/s/${session.id}/`,
    });
  });

  it('fills the command template one argument per element: a value cannot add arguments or expand', async () => {
    const session = makeSession({ params: { TITLE: 'a b --mode exit ${secret}' } });
    const app = fixtureApp(['--print-argv', '--title', '${TITLE}', '--key', '${secret}', '--id', '${id}']);
    await runtime.start({ session, app, secret: 'sek' });
    await eventFor(session.id, 'ready');
    const argv = JSON.parse((await waitForText(runtime.logPath(session.id), /ARGV (.*)/))[1]!) as string[];
    expect(argv.slice(argv.indexOf('--title'))).toEqual([
      '--title',
      'a b --mode exit ${secret}',
      '--key',
      'sek',
      '--id',
      session.id,
    ]);
  });

  it("writes the app's stdout and stderr to the session log", async () => {
    const session = makeSession();
    const app = fixtureApp([], {
      command: [process.execPath, '-e', "console.log('to-out'); console.error('to-err'); setInterval(() => {}, 1000)"],
      ready: { kind: 'line', line: 'to-err' },
    });
    await runtime.start({ session, app, secret: 's' });
    await eventFor(session.id, 'ready');
    await waitForText(runtime.logPath(session.id), /to-out[\s\S]*to-err|to-err[\s\S]*to-out/);
    const log = readFileSync(runtime.logPath(session.id), 'utf8');
    expect(log).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z to-out$/m); // each line stamped with its time
    expect(log).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z to-err$/m);
  });

  it('turns a command that cannot be run into a RuntimeStartError', async () => {
    const app = fixtureApp([], { command: ['/nonexistent/sessionplane-app'] });
    await expect(runtime.start({ session: makeSession(), app, secret: 's' })).rejects.toBeInstanceOf(RuntimeStartError);
  });
});
