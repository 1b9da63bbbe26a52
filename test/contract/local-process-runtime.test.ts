import { readdirSync, readFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalProcessRuntime } from '../../shared/adapters/runtime/local-process/local-process-runtime';
import { PortAllocator } from '../../shared/adapters/runtime/local-process/port-allocator';
import { markedProcesses, processFacts } from '../../shared/adapters/runtime/local-process/process-group';
import { CapacityError, RuntimeStartError } from '../../shared/domain';
import type { RuntimeEvent } from '../../shared/ports';
import { fixtureApp, FIXTURE_APP } from '../support/apps';
import { testPortRange } from '../support/ports';
import { makeSession } from '../support/sessions';
import { pidAlive, waitFor, waitForText } from '../support/wait';

describe('LocalProcessRuntime', () => {
  let dir: string;
  let runtime: LocalProcessRuntime;
  const events: RuntimeEvent[] = [];
  const eventFor = (sessionId: string, type: RuntimeEvent['type']) =>
    waitFor(() => events.find((e) => e.sessionId === sessionId && e.type === type), 15_000, `${type} event`);

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'sp-local-'));
    runtime = new LocalProcessRuntime({
      host: '127.0.0.1',
      portRange: testPortRange(),
      logDir: join(dir, 'logs'),
      runDir: join(dir, 'run'),
      stopGraceMs: 1000,
      baseEnv: { PATH: process.env.PATH ?? '' },
    });
    runtime.onEvent((e) => events.push(e));
  });
  afterAll(async () => {
    await runtime.stopAll('test');
    rmSync(dir, { recursive: true, force: true });
  });

  it.each([
    ['a ready line', fixtureApp(['--delay', '200', '--ready-line', 'App running at'], { ready: { kind: 'line', line: 'App running at' } })],
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
    const script = "process.stdout.write('App run'); setTimeout(() => process.stdout.write('ning at\\n'), 200); setInterval(() => {}, 1000)";
    const app = fixtureApp([], { command: [process.execPath, '-e', script], ready: { kind: 'line', line: 'App running at' } });
    await runtime.start({ session, app, secret: 's' });
    await eventFor(session.id, 'ready');
    expect(events.filter((e) => e.sessionId === session.id && e.type === 'ready')).toHaveLength(1);
  });

  it('reports an app that exits before it is ready, and frees its port', async () => {
    const session = makeSession();
    const { runtimeId } = await runtime.start({ session, app: fixtureApp(['--mode', 'exit', '--delay', '100']), secret: 's' });
    const exited = await eventFor(session.id, 'exited');
    expect(exited).toMatchObject({ code: 3, wasReady: false });
    expect(events.find((e) => e.sessionId === session.id && e.type === 'ready')).toBeUndefined();
    expect(await runtime.inspect(runtimeId)).toMatchObject({ phase: 'stopped', exit: { code: 3, reason: 'exited-before-ready' } });
    expect(await runtime.list()).not.toContainEqual(expect.objectContaining({ sessionId: session.id }));
  });

  it('fails an app that never becomes ready within the launch timeout, and leaves no process', async () => {
    const session = makeSession();
    const started = Date.now();
    const { runtimeId } = await runtime.start({ session, app: fixtureApp(['--mode', 'hang', '--child'], { launchTimeoutMs: 800 }), secret: 's' });
    const failed = await eventFor(session.id, 'failed');
    expect(failed).toMatchObject({ reason: 'launch-timeout' });
    expect(Date.now() - started).toBeLessThan(800 + 1500);
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
    });
  });

  it('fills the command template one argument per element: a value cannot add arguments or expand', async () => {
    const session = makeSession({ params: { TITLE: 'a b --mode exit ${secret}' } });
    const app = fixtureApp(['--print-argv', '--title', '${TITLE}', '--key', '${secret}', '--id', '${id}']);
    await runtime.start({ session, app, secret: 'sek' });
    await eventFor(session.id, 'ready');
    const argv = JSON.parse((await waitForText(runtime.logPath(session.id), /ARGV (.*)/))[1]!) as string[];
    expect(argv.slice(argv.indexOf('--title'))).toEqual(['--title', 'a b --mode exit ${secret}', '--key', 'sek', '--id', session.id]);
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

  const earlierRun = (runDir = join(dir, 'run')) =>
    new LocalProcessRuntime({
      host: '127.0.0.1',
      portRange: testPortRange(),
      logDir: join(dir, 'logs'),
      runDir,
      stopGraceMs: 1000,
      baseEnv: { PATH: process.env.PATH ?? '' },
    });
  const pidOf = (runtimeId: string) => Number(runtimeId.split(':')[2]);

  it('stops what an earlier server run left behind, its group included', async () => {
    const crashed = earlierRun(); // its process "died": nothing will stop its instances
    const session = makeSession();
    const { runtimeId } = await crashed.start({ session, app: fixtureApp(), secret: 's' });
    const pid = pidOf(runtimeId);
    expect(JSON.parse(readFileSync(join(dir, 'run', `${session.id}.json`), 'utf8'))).toMatchObject({
      sessionId: session.id,
      pid,
      marker: expect.any(String),
      startTime: expect.any(String),
    });
    const stopped = await runtime.stopStrays();
    expect(stopped).toEqual([session.id]);
    await waitFor(() => !pidAlive(pid), 5000, 'stray gone');
    expect(readdirSync(join(dir, 'run'))).toEqual([]);
  });

  it('finds a stray by its marker when its pid record is gone (the run folder deleted)', async () => {
    const crashed = earlierRun();
    const session = makeSession();
    const { runtimeId } = await crashed.start({ session, app: fixtureApp(), secret: 's' });
    rmSync(join(dir, 'run'), { recursive: true, force: true });
    expect(await runtime.stopStrays()).toEqual([session.id]);
    await waitFor(() => !pidAlive(pidOf(runtimeId)), 5000, 'stray gone');
  });

  it('never signals a process that is not ours, whatever a pid record says (#11 m5)', async () => {
    const foreign = spawn(process.execPath, [FIXTURE_APP, '--mode', 'hang'], { detached: true, stdio: 'ignore' });
    try {
      await waitFor(() => processFacts(foreign.pid!), 5000, 'foreign process');
      const startTime = processFacts(foreign.pid!)!.startTime;
      const records: unknown[] = [
        { pid: foreign.pid, startTime, marker: 'x' }, // the right start time, but not our marker
        { pid: foreign.pid }, // an old-style record: no identity at all
        { pid: process.pid, startTime: processFacts(process.pid)!.startTime, marker: 'x' }, // the server itself
        { pid: 0, startTime: '0', marker: 'x' }, // kill(-0) would signal the server's own group
        { pid: -1, startTime: '0', marker: 'x' }, // kill(1) would signal everything
        { pid: 1.5, startTime: '0', marker: 'x' },
        'not an object',
      ];
      for (const r of records) {
        const id = makeSession().id;
        writeFileSync(join(dir, 'run', `${id}.json`), JSON.stringify(typeof r === 'object' ? { sessionId: id, ...r } : r));
      }
      writeFileSync(join(dir, 'run', 'broken.json'), '{');
      expect(await runtime.stopStrays()).toEqual([]);
      expect(pidAlive(foreign.pid!)).toBe(true);
      expect(pidAlive(process.pid)).toBe(true);
      expect(readdirSync(join(dir, 'run'))).toEqual([]);
    } finally {
      foreign.kill('SIGKILL'); // whatever an assertion above says
    }
  });

  it('runs nothing of the app before its pid record is durable, and recreates deleted folders', async () => {
    rmSync(join(dir, 'logs'), { recursive: true, force: true });
    rmSync(join(dir, 'run'), { recursive: true, force: true });
    const session = makeSession();
    const { runtimeId } = await runtime.start({ session, app: fixtureApp(), secret: 's' });
    await eventFor(session.id, 'ready');
    // The recorded pid is the app itself (the holding shell exec'd it), with our marker.
    const record = JSON.parse(readFileSync(join(dir, 'run', `${session.id}.json`), 'utf8')) as { pid: number; marker: string };
    expect(record.pid).toBe(pidOf(runtimeId));
    expect(readFileSync(`/proc/${record.pid}/cmdline`, 'utf8')).toContain(FIXTURE_APP);
    expect(processFacts(record.pid, 'SESSIONPLANE_INSTANCE')!.marker).toBe(record.marker);
    await runtime.stop(runtimeId, 'test');
  });

  it('fails a start cleanly when the run folder cannot be written: no process, no record, port released', async () => {
    const blocked = join(dir, 'run-blocked');
    const broken = earlierRun(blocked);
    rmSync(blocked, { recursive: true });
    writeFileSync(blocked, 'a file where the run folder should be');
    const before = (await broken.list()).length;
    const session = makeSession();
    const error = await broken.start({ session, app: fixtureApp(), secret: 's' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RuntimeStartError);
    expect((error as Error).message).not.toContain(dir); // no absolute path in a reason
    expect((await broken.list()).length).toBe(before);
    expect(markedProcesses('SESSIONPLANE_INSTANCE', '').filter((p) => p.marker.includes(session.id))).toEqual([]);
  });

  it('stops a READY app that stops answering its liveness probes, with the reason (#11 m7)', async () => {
    const probing = new LocalProcessRuntime({
      host: '127.0.0.1',
      portRange: testPortRange(),
      logDir: join(dir, 'logs'),
      runDir: join(dir, 'run-live'),
      stopGraceMs: 500,
      baseEnv: { PATH: process.env.PATH ?? '' },
      liveness: { intervalMs: 100, failures: 3, timeoutMs: 100 },
    });
    const seen: RuntimeEvent[] = [];
    probing.onEvent((e) => seen.push(e));
    const healthy = makeSession();
    const hung = makeSession();
    await probing.start({ session: healthy, app: fixtureApp(), secret: 's' });
    const { runtimeId } = await probing.start({ session: hung, app: fixtureApp(), secret: 's' });
    await waitFor(() => seen.filter((e) => e.type === 'ready').length === 2, 10_000, 'both ready');
    process.kill(pidOf(runtimeId), 'SIGSTOP'); // hung: the kernel still accepts its connections
    const exited = await waitFor(() => seen.find((e) => e.type === 'exited' && e.sessionId === hung.id), 5000, 'hung app stopped');
    expect(exited).toMatchObject({ reason: 'unresponsive: no answer to 3 liveness probes', wasReady: true });
    expect(pidAlive(pidOf(runtimeId))).toBe(false);
    await new Promise((r) => setTimeout(r, 500));
    expect(seen.find((e) => e.type === 'exited' && e.sessionId === healthy.id)).toBeUndefined(); // answering apps are left alone
    await probing.stopAll('test');
  });

  it('refuses new starts once closing, and waits for those in flight', async () => {
    const closing = earlierRun(join(dir, 'run-closing'));
    const session = makeSession();
    const inFlight = closing.start({ session, app: fixtureApp(), secret: 's' });
    const stopped = closing.stopAll('shutdown');
    await expect(closing.start({ session: makeSession(), app: fixtureApp(), secret: 's' })).rejects.toBeInstanceOf(CapacityError);
    const { runtimeId } = await inFlight;
    await stopped;
    expect(pidAlive(pidOf(runtimeId))).toBe(false);
    expect(await closing.list()).toEqual([]);
  });
});

describe('PortAllocator', () => {
  it('never hands out one port twice at once, and says when all are taken', async () => {
    const [lo] = testPortRange();
    const ports = new PortAllocator('127.0.0.1', [lo, lo + 2]);
    const got = await Promise.all([ports.acquire(), ports.acquire(), ports.acquire()]);
    expect(new Set(got).size).toBe(3);
    await expect(ports.acquire()).rejects.toBeInstanceOf(CapacityError);
    ports.release(got[1]!);
    expect(await ports.acquire()).toBe(got[1]);
  });

  it('skips a port that another program holds', async () => {
    const [lo] = testPortRange();
    const other: Server = createServer();
    await new Promise<void>((r) => other.listen(lo, '127.0.0.1', r));
    try {
      const ports = new PortAllocator('127.0.0.1', [lo, lo + 1]);
      expect(await ports.acquire()).toBe(lo + 1);
      await expect(ports.acquire()).rejects.toBeInstanceOf(CapacityError);
    } finally {
      other.close();
    }
  });
});
