import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDocumentClient } from '../../../shared/adapters/dynamodb/dynamodb-client';
import { ensureSessionsTable } from '../../../shared/adapters/dynamodb/dynamodb-table';
import { startEmbeddedDynamoDb, type EmbeddedDynamoDb } from '../../../shared/adapters/dynamodb/embedded-dynamodb';
import { LocalProcessRuntime } from '../../../shared/adapters/runtime/local-process/local-process-runtime';
import { CapacityError } from '../../../shared/domain/errors';
import type { Runtime, StartRequest } from '../../../shared/ports/runtime';
import { decideOnEvent, handleRuntimeEvent } from '../../../shared/services/runtime-events';
import { launchSession } from '../../../shared/services/launch';
import { stopSession } from '../../../shared/services/stop';
import type { LaunchDeps } from '../../../shared/services/deps';
import { fixtureApp, markingApp } from '../../support/apps';
import { testPortRange } from '../../support/ports';
import { makeServiceDeps } from '../../support/services';
import { makeSession } from '../../support/sessions';
import { pidAlive, waitFor } from '../../support/wait';

/** A runtime whose start waits at a gate: a way to interleave, not a fake (the process is real). */
function gated(runtime: LocalProcessRuntime): { runtime: Runtime; open(): void; reached: Promise<void> } {
  let open!: () => void;
  let reach!: () => void;
  const gate = new Promise<void>((r) => (open = r));
  const reached = new Promise<void>((r) => (reach = r));
  const wrapped: Runtime = {
    kind: runtime.kind,
    start: async (req: StartRequest) => {
      reach();
      await gate;
      return runtime.start(req);
    },
    inspect: (id) => runtime.inspect(id),
    stop: (id, reason) => runtime.stop(id, reason),
    list: () => runtime.list(),
    onEvent: (l) => runtime.onEvent(l),
  };
  return { runtime: wrapped, open, reached };
}

describe('launch and stop use cases', () => {
  let db: EmbeddedDynamoDb;
  let dir: string;
  let deps: LaunchDeps;
  let runtime: LocalProcessRuntime;

  beforeAll(async () => {
    db = await startEmbeddedDynamoDb();
    const client = createDocumentClient({ endpoint: db.endpoint, region: 'local' });
    await ensureSessionsTable(client, 'sessions');
    dir = mkdtempSync(join(tmpdir(), 'sp-svc-'));
    runtime = new LocalProcessRuntime({
      host: '127.0.0.1',
      portRange: testPortRange(),
      logDir: join(dir, 'l'),
      runDir: join(dir, 'r'),
      stopGraceMs: 1000,
      baseEnv: { PATH: process.env.PATH ?? '' },
    });
    const marking = markingApp(join(dir, 'ran'));
    mkdirSync(join(dir, 'ran'));
    deps = makeServiceDeps(client, 'sessions', runtime, { web: fixtureApp(), marking });
    runtime.onEvent((e) => void handleRuntimeEvent(deps, e));
  });
  afterAll(async () => {
    await runtime.stopAll('test');
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('records the session before it starts anything', async () => {
    const g = gated(runtime);
    const launching = launchSession({ ...deps, runtime: g.runtime }, { owner: 'o1', app: 'web' });
    await g.reached;
    const [pending] = (await deps.store.listByOwner('o1')).items;
    expect(pending).toMatchObject({ status: 'PENDING' });
    expect(pending!.runtime).toBeUndefined();
    g.open();
    await launching;
  });

  it('stops what a launch started when the user stopped the session while it was starting', async () => {
    const g = gated(runtime);
    const launching = launchSession({ ...deps, runtime: g.runtime }, { owner: 'o2', app: 'web' });
    await g.reached;
    const [pending] = (await deps.store.listByOwner('o2')).items;
    const stopped = await stopSession(deps, pending!.id, 'user');
    expect(stopped.status).toBe('STOPPING'); // nothing to stop yet: the launch will
    g.open();
    const { session } = await launching;
    expect(session).toMatchObject({ status: 'STOPPED', statusReason: 'user' });
    expect(await runtime.list()).not.toContainEqual(expect.objectContaining({ sessionId: pending!.id }));
  });

  it('stores nothing and releases the quota when a launch is refused for lack of ports (#11 m12)', async () => {
    const [lo] = testPortRange();
    const one = new LocalProcessRuntime({
      host: '127.0.0.1',
      portRange: [lo + 40, lo + 40],
      logDir: join(dir, 'l1'),
      runDir: join(dir, 'r1'),
      stopGraceMs: 1000,
      baseEnv: { PATH: process.env.PATH ?? '' },
    });
    const small = { ...deps, runtime: one };
    const first = await launchSession(small, { owner: 'ports', app: 'web' });
    await expect(launchSession(small, { owner: 'ports', app: 'web' })).rejects.toBeInstanceOf(CapacityError);
    expect((await deps.store.listByOwner('ports')).items.map((s) => s.id)).toEqual([first.session.id]);
    expect((await deps.quotas.get('ports')).sessions).toBe(1);
    await stopSession(small, first.session.id, 'user');
    await one.stopAll('test');
  });

  it("runs nothing of a launch refused over its owner's cap, and keeps nothing of it", async () => {
    const capped = { ...deps, policy: { ...deps.policy, limits: { ...deps.policy.limits, sessions: 1 } } };
    const first = await launchSession(capped, { owner: 'capped', app: 'marking' });
    await waitFor(async () => (await deps.store.get(first.session.id))?.status === 'READY', 15_000, 'the first READY');
    const instances = (await runtime.list()).length;
    await expect(launchSession(capped, { owner: 'capped', app: 'marking' })).rejects.toThrow(/maximum/);
    await waitFor(async () => (await runtime.list()).length === instances, 15_000, 'no instance left');
    expect(readdirSync(join(dir, 'ran'))).toEqual([first.session.id]);
    expect((await deps.store.listByOwner('capped')).items.map((s) => s.id)).toEqual([first.session.id]);
    await waitFor(() => readdirSync(join(dir, 'r')).length === instances, 15_000, 'only the running ones recorded');
    await stopSession(capped, first.session.id, 'user');
  });

  it('lets two concurrent stops both succeed, with one STOPPED record and the process gone', async () => {
    const { session } = await launchSession(deps, { owner: 'o3', app: 'web' });
    await waitFor(async () => (await deps.store.get(session.id))?.status === 'READY', 10_000, 'READY');
    const pid = Number((await deps.store.get(session.id))!.runtime!.runtimeId.split(':')[2]);
    const [a, b] = await Promise.all([stopSession(deps, session.id, 'user'), stopSession(deps, session.id, 'admin')]);
    const final = await deps.store.get(session.id);
    expect(final).toMatchObject({ status: 'STOPPED' });
    expect([a.status, b.status]).toContain('STOPPED');
    expect(pidAlive(pid)).toBe(false);
  });
});

describe('decideOnEvent', () => {
  const now = 1_000;
  it('takes a ready event that beats the STARTING write through STARTING to READY', () => {
    const pending = makeSession();
    const event = { type: 'ready', sessionId: pending.id, runtimeId: 'r1', endpoint: 'h:1' } as const;
    const starting = decideOnEvent(event, now)(pending)!;
    expect(starting).toMatchObject({ status: 'STARTING', runtime: { runtimeId: 'r1', endpoint: 'h:1' } });
    expect(decideOnEvent(event, now)(starting)).toMatchObject({ status: 'READY', readyAt: now });
  });

  it('ignores an event from another instance of the session', () => {
    const s = makeSession({ status: 'READY', runtime: { kind: 'local', runtimeId: 'new' } });
    expect(
      decideOnEvent(
        { type: 'exited', sessionId: s.id, runtimeId: 'old', code: 0, signal: null, wasReady: true },
        now,
      )(s),
    ).toBeUndefined();
  });

  it('turns a launch timeout into FAILED, and does not touch a session that is already READY', () => {
    const starting = makeSession({ status: 'STARTING', runtime: { kind: 'local', runtimeId: 'r' } });
    const event = { type: 'failed', sessionId: starting.id, runtimeId: 'r', reason: 'launch-timeout' } as const;
    expect(decideOnEvent(event, now)(starting)).toMatchObject({ status: 'FAILED', statusReason: 'launch-timeout' });
    expect(decideOnEvent(event, now)({ ...starting, status: 'READY' })).toBeUndefined();
  });
});
