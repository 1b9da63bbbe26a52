import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalProcessRuntime } from '../../shared/adapters/runtime/local-process/local-process-runtime';
import type { RuntimeEvent } from '../../shared/ports/runtime';
import { markingApp } from '../support/apps';
import { eventWaiter, localRuntimeIn } from '../support/local-runtime';
import { makeSession } from '../support/sessions';
import { waitFor } from '../support/wait';

/**
 * A start held at its gate (#39): the launch prepares the process (port, held shell, pid record) beside its store
 * writes and lets the app run only once its record is written; a launch refused meanwhile cancels it.
 */
describe('LocalProcessRuntime: a start held at its gate', () => {
  let dir: string;
  let runtime: LocalProcessRuntime;
  const events: RuntimeEvent[] = [];
  const eventFor = eventWaiter(events);

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'sp-held-'));
    runtime = localRuntimeIn(dir, events);
  });
  afterAll(async () => {
    await runtime.stopAll('test');
    rmSync(dir, { recursive: true, force: true });
  });

  const marking = () => markingApp(dir);

  it('prepares the process held (its pid record written, nothing of the app run) and runs it on start', async () => {
    const session = makeSession();
    const held = runtime.prepare({ session, app: marking(), secret: 's' });
    await waitFor(() => existsSync(join(dir, 'run', `${session.id}.json`)), 15_000, 'its pid record');
    expect(existsSync(join(dir, session.id))).toBe(false);
    const started = await held.start();
    expect(started.runtimeId).toMatch(new RegExp(`^local:${session.id}:\\d+$`));
    await eventFor(session.id, 'ready');
    expect(existsSync(join(dir, session.id))).toBe(true);
    await runtime.stop(started.runtimeId, 'test');
  });

  it('cancels a held start with nothing of the app run: its process gone, its record and port let go, no event', async () => {
    const session = makeSession();
    const before = (await runtime.list()).length;
    const held = runtime.prepare({ session, app: marking(), secret: 's' });
    await waitFor(() => existsSync(join(dir, 'run', `${session.id}.json`)), 15_000, 'its pid record');
    expect((await runtime.list()).map((i) => i.sessionId)).toContain(session.id);
    held.cancel();
    await waitFor(() => !existsSync(join(dir, 'run', `${session.id}.json`)), 15_000, 'its pid record removed');
    await waitFor(async () => (await runtime.list()).length === before, 15_000, 'no instance left');
    expect(existsSync(join(dir, session.id))).toBe(false);
    expect(events.filter((e) => e.sessionId === session.id)).toEqual([]);
    expect(readdirSync(join(dir, 'run')).filter((f) => f.startsWith(session.id))).toEqual([]);
  });

  it('cancels one that is still being prepared, and a start after the cancel is refused', async () => {
    const session = makeSession();
    const held = runtime.prepare({ session, app: marking(), secret: 's' });
    held.cancel(); // before its spawn has even been answered
    await expect(held.start()).rejects.toThrow(/canceled/);
    await waitFor(async () => !(await runtime.list()).some((i) => i.sessionId === session.id), 15_000, 'none left');
    await waitFor(() => !existsSync(join(dir, 'run', `${session.id}.json`)), 15_000, 'its pid record removed');
    expect(existsSync(join(dir, session.id))).toBe(false);
  });
});
