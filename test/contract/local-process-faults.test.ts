import { readdirSync, readFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalProcessRuntime } from '../../shared/adapters/runtime/local-process/local-process-runtime';
import { markedProcesses, processFacts } from '../../shared/adapters/runtime/local-process/process-group';
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
    const exited = await waitFor(
      () => seen.find((e) => e.type === 'exited' && e.sessionId === hung.id),
      5000,
      'hung app stopped',
    );
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
    await expect(closing.start({ session: makeSession(), app: fixtureApp(), secret: 's' })).rejects.toBeInstanceOf(
      CapacityError,
    );
    const { runtimeId } = await inFlight;
    await stopped;
    expect(pidAlive(pidOf(runtimeId))).toBe(false);
    expect(await closing.list()).toEqual([]);
  });
});
