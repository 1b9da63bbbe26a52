import { readdirSync, readFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalProcessRuntime } from '../../shared/adapters/runtime/local-process/local-process-runtime';
import { markedProcesses, processFacts } from '../../shared/adapters/runtime/local-process/process-group';
import { HELPER_NAME } from '../../shared/adapters/runtime/local-process/spawner';
import { CapacityError, RuntimeStartError } from '../../shared/domain/errors';
import type { RuntimeEvent } from '../../shared/ports/runtime';
import { fixtureApp, FIXTURE_APP } from '../support/apps';
import { testPortRange } from '../support/ports';
import { eventWaiter, localRuntimeIn } from '../support/local-runtime';
import { makeSession } from '../support/sessions';
import { pidAlive, waitFor } from '../support/wait';

/** The local runtime under faults: strays of an earlier run, tampered records, unwritable folders, hung apps, shutdown (#11). */
describe('LocalProcessRuntime under faults', () => {
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
        writeFileSync(
          join(dir, 'run', `${id}.json`),
          JSON.stringify(typeof r === 'object' ? { sessionId: id, ...r } : r),
        );
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
    const record = JSON.parse(readFileSync(join(dir, 'run', `${session.id}.json`), 'utf8')) as {
      pid: number;
      marker: string;
    };
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

  it('tells busy from dead (#35): a blocked app is left alone under the default tcp probe, an http-probed one is stopped, with the evidence', async () => {
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
    const busy = makeSession(); // the default: tcp
    const strict = makeSession(); // liveness: http (#11 m7's behaviour, now an app's choice)
    const healthy = makeSession();
    const started = await Promise.all([
      probing.start({ session: busy, app: fixtureApp(), secret: 's' }),
      probing.start({ session: strict, app: fixtureApp([], { liveness: { probe: 'http' } }), secret: 's' }),
      probing.start({ session: healthy, app: fixtureApp([], { liveness: { probe: 'http' } }), secret: 's' }),
    ]);
    await waitFor(() => seen.filter((e) => e.type === 'ready').length === 3, 10_000, 'all ready');
    // Both blocked at once, as a long ParaView call blocks pvpython: the kernel still accepts for them.
    process.kill(pidOf(started[0].runtimeId), 'SIGSTOP');
    process.kill(pidOf(started[1].runtimeId), 'SIGSTOP');
    const exited = await waitFor(
      () => seen.find((e) => e.type === 'exited' && e.sessionId === strict.id),
      5000,
      'the http-probed app stopped',
    );
    expect(exited).toMatchObject({ wasReady: true });
    expect((exited as { reason: string }).reason).toMatch(
      /^unresponsive: no answer to 3 liveness probes \(http, every 0\.1 s\): no HTTP answer within \d+ ms$/,
    );
    // As many probes have gone by for the busy one: it is alive, and still its session's.
    expect(seen.find((e) => e.type === 'exited' && e.sessionId === busy.id)).toBeUndefined();
    expect(pidAlive(pidOf(started[0].runtimeId))).toBe(true);
    process.kill(pidOf(started[0].runtimeId), 'SIGCONT'); // the call returns
    expect(await fetch(`http://${started[0].endpoint}/`).then((r) => r.status)).toBe(200);
    expect(seen.find((e) => e.type === 'exited' && e.sessionId === healthy.id)).toBeUndefined(); // answering apps are left alone
    await probing.stopAll('test');
  });

  it('stops an app that is alive but takes no connection any more (its listener closed), with the evidence; liveness off leaves it', async () => {
    const probing = new LocalProcessRuntime({
      host: '127.0.0.1',
      portRange: testPortRange(),
      logDir: join(dir, 'logs'),
      runDir: join(dir, 'run-unlisten'),
      stopGraceMs: 500,
      baseEnv: { PATH: process.env.PATH ?? '' },
      liveness: { intervalMs: 100, failures: 3, timeoutMs: 100 },
    });
    const seen: RuntimeEvent[] = [];
    probing.onEvent((e) => seen.push(e));
    const closed = makeSession();
    const unwatched = makeSession();
    const [a, b] = await Promise.all([
      probing.start({ session: closed, app: fixtureApp(), secret: 's' }),
      probing.start({ session: unwatched, app: fixtureApp([], { liveness: { probe: 'off' } }), secret: 's' }),
    ]);
    await waitFor(() => seen.filter((e) => e.type === 'ready').length === 2, 10_000, 'both ready');
    await fetch(`http://${b.endpoint}/unlisten`);
    await fetch(`http://${a.endpoint}/unlisten`);
    const exited = await waitFor(
      () => seen.find((e) => e.type === 'exited' && e.sessionId === closed.id),
      5000,
      'the closed app stopped',
    );
    expect((exited as { reason: string }).reason).toBe(
      'unresponsive: no answer to 3 liveness probes (tcp, every 0.1 s): connection refused',
    );
    expect(seen.find((e) => e.type === 'exited' && e.sessionId === unwatched.id)).toBeUndefined();
    expect(pidAlive(pidOf(b.runtimeId))).toBe(true);
    await probing.stopAll('test');
  });

  it('refuses new starts once closing, and waits for those in flight', async () => {
    const closing = earlierRun(join(dir, 'run-closing'));
    const session = makeSession();
    const inFlight = closing.start({ session, app: fixtureApp(), secret: 's' });
    const stopped = closing.stopAll('shutdown');
    await expect(closing.start({ session: makeSession(), app: fixtureApp(), secret: 's' })).rejects.toBeInstanceOf(
      CapacityError,
    );
    const { runtimeId } = await inFlight;
    await stopped;
    expect(pidAlive(pidOf(runtimeId))).toBe(false);
    expect(await closing.list()).toEqual([]);
  });

  it('stops and reports every session its process helper started if the helper dies, and starts the next with a new one (#39)', async () => {
    const ppidOf = (pid: number) => Number(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')[1]);
    const sessions = [makeSession(), makeSession()];
    const started = await Promise.all(
      sessions.map((session) => runtime.start({ session, app: fixtureApp(), secret: 's' })),
    );
    const pids = started.map((s) => pidOf(s.runtimeId));
    // Each session's parent is the helper, not this process: the server is never forked.
    const helper = ppidOf(pids[0]!);
    expect(helper).not.toBe(process.pid);
    expect(ppidOf(pids[1]!)).toBe(helper);
    expect(readFileSync(`/proc/${helper}/cmdline`, 'utf8').split('\0')).toContain(HELPER_NAME);
    process.kill(helper, 'SIGKILL');
    for (const session of sessions) await eventFor(session.id, 'exited');
    await waitFor(() => pids.every((pid) => !pidAlive(pid)), 5000, "the helper's sessions gone");
    expect(await runtime.list()).toEqual([]);
    // The next start has a helper of its own.
    const next = makeSession();
    const { runtimeId } = await runtime.start({ session: next, app: fixtureApp(), secret: 's' });
    const nextHelper = ppidOf(pidOf(runtimeId));
    expect(nextHelper).not.toBe(helper);
    await runtime.stop(runtimeId, 'test');
  });
});
