import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { DeregisterTaskDefinitionCommand } from '@aws-sdk/client-ecs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedDynamoDb, type EmbeddedDynamoDb } from '../../../shared/adapters/dynamodb/embedded-dynamodb';
import { hashToken } from '../../../shared/domain/ids';
import { reap } from '../../../shared/services/reaper/reap';
import { reconcileAll } from '../../../shared/services/reaper/reconcile';
import { renewSession } from '../../../shared/services/renew';
import { IDLE_MS, LIFETIME_MS, reaperWorld } from '../../support/reaper-world';
import { makeSession } from '../../support/sessions';
import { describedEcho } from '../../support/task-definitions';

describe('reaper rules, on a fake clock', () => {
  let db: EmbeddedDynamoDb;
  beforeAll(async () => {
    db = await startEmbeddedDynamoDb();
  });
  afterAll(async () => db.close());

  it('stops a READY session idle past its idleTimeout, and not one with recent activity', async () => {
    const w = await reaperWorld(db);
    const idle = await w.ready();
    const busy = await w.ready();
    w.advance(IDLE_MS - 1000);
    await w.deps.store.recordActivity(busy.id, w.clock.now()); // the router saw traffic, or an open socket
    // A pass inside the warning window warns the quiet one and stops nothing.
    expect((await reap(w.deps, { concurrency: 4 })).reaped).toEqual({});
    expect((await w.deps.events.list(idle.id)).map((e) => e.phase)).toContain('idle-warning');
    expect((await w.deps.events.list(busy.id)).map((e) => e.phase)).not.toContain('idle-warning');
    w.advance(2000);
    const summary = await reap(w.deps, { concurrency: 4 });
    expect(summary.reaped).toEqual({ idle: 1 });
    expect(await w.deps.store.get(idle.id)).toMatchObject({ status: 'STOPPING', statusReason: 'idle' });
    expect((await w.deps.store.get(busy.id))?.status).toBe('READY');
    expect(w.stops()).toEqual([{ task: idle.runtime!.runtimeId, reason: 'sessionplane: idle' }]);
    expect(w.reaped).toEqual({ idle: 1 });
  });

  it("deregisters the registry's task definitions unused for 7 days, and keeps a recently launched one", async () => {
    const w = await reaperWorld(db);
    const base = describedEcho(1);
    w.ecs.definitions.set(base.taskDefinitionArn!, base);
    const old = await w.registry.resolve('echo', 'sessionplane-echo:1', 'ghcr.io/lab/old:1');
    w.advance(6 * 86_400_000);
    const recent = await w.registry.resolve('echo', 'sessionplane-echo:1', 'ghcr.io/lab/recent:1');
    expect((await reap(w.deps, { concurrency: 4 })).tidied).toBe(0);
    w.advance(1.5 * 86_400_000);
    const summary = await reap(w.deps, { concurrency: 4 });
    expect(summary).toMatchObject({ tidied: 1, errors: 0 });
    expect(w.ecs.mock.commandCalls(DeregisterTaskDefinitionCommand).map((c) => c.args[0].input.taskDefinition)).toEqual(
      [old],
    );
    expect(w.ecs.definitions.get(recent)!.status).toBe('ACTIVE');
  });

  it('finishes its pass when one runtime call never returns, and reaps the rest (#11 M4)', async () => {
    const w = await reaperWorld(db);
    const hung = await w.ready();
    const idle = await w.ready();
    const runtime = w.deps.runtime;
    const deps = {
      ...w.deps,
      runtime: {
        ...runtime,
        kind: runtime.kind,
        list: () => runtime.list(),
        inspect: runtime.inspect.bind(runtime),
        start: runtime.start.bind(runtime),
        onEvent: runtime.onEvent.bind(runtime),
        stop: (id: string, reason: string) =>
          id === hung.runtime!.runtimeId ? new Promise<never>(() => {}) : runtime.stop(id, reason),
      },
    };
    w.advance(IDLE_MS - 1000);
    await reap(deps, { concurrency: 4, callTimeoutMs: 4000 }); // the warning pass
    w.advance(2000);
    const first = await reap(deps, { concurrency: 4, callTimeoutMs: 4000 });
    expect(first).toMatchObject({ errors: 1, reaped: { idle: 1 } });
    expect(await w.deps.store.get(idle.id)).toMatchObject({ statusReason: 'idle' });
    // The next pass runs too: nothing is held by the stuck call.
    expect((await reap(deps, { concurrency: 4, callTimeoutMs: 4000 })).ms).toBeLessThan(12_000);
  });

  it('gives back, at start-up, quota that a crash left reserved (#11 m1)', async () => {
    const w = await reaperWorld(db);
    const live = await w.ready();
    // A crash between a reserve and its record: the counter says one more than is live.
    await w.deps.quotas.reserve(live.owner, { cpu: 1, memory: 512, gpus: 0 }, w.deps.policy.limits);
    expect((await w.deps.quotas.get(live.owner)).sessions).toBe(2);
    await reconcileAll(w.deps, { noLaunchInFlight: true }); // what a server does before it serves
    expect((await w.deps.quotas.get(live.owner)).sessions).toBe(1);
  });

  it('stops a session past its expiry; renewing moves the expiry, up to the ceiling', async () => {
    const w = await reaperWorld(db);
    const renewed = await w.ready();
    const expiring = await w.ready();
    w.advance(LIFETIME_MS - 60_000);
    await w.deps.store.recordActivity(renewed.id, w.clock.now());
    await w.deps.store.recordActivity(expiring.id, w.clock.now());
    const after = await renewSession(w.deps, (await w.deps.store.get(renewed.id))!, 30 * 86_400_000);
    expect(after.expiresAt).toBe(w.clock.now() + LIFETIME_MS);
    // Within warnBefore of its expiry: warned, not stopped; the renewed one is not warned.
    expect((await reap(w.deps, { concurrency: 4 })).reaped).toEqual({});
    expect((await w.deps.store.get(expiring.id))?.warned?.expiry).toBe(expiring.expiresAt);
    expect((await w.deps.store.get(renewed.id))?.warned).toBeUndefined();
    w.advance(120_000);
    await w.deps.store.recordActivity(renewed.id, w.clock.now());
    expect((await reap(w.deps, { concurrency: 4 })).reaped).toEqual({ expired: 1 });
    expect(await w.deps.store.get(expiring.id)).toMatchObject({ statusReason: 'expired' });
    const fresh = await w.ready();
    w.advance(2 * 3_600_000);
    const capped = await renewSession(w.deps, fresh, LIFETIME_MS + 3_600_000);
    expect(capped.expiresAt).toBe(fresh.createdAt + LIFETIME_MS + 3_600_000); // not now + LIFETIME_MS
  });

  it('fails a start stuck past its launch timeout, and stops its task', async () => {
    const w = await reaperWorld(db);
    const { session } = await (await import('../../../shared/services/launch')).launchSession(w.deps, {
      owner: 'bo',
      app: 'web',
    });
    w.advance(25_001);
    expect((await reap(w.deps, { concurrency: 4 })).reaped).toEqual({ 'launch-timeout': 1 });
    expect(await w.deps.store.get(session.id)).toMatchObject({ status: 'FAILED', statusReason: 'launch-timeout' });
    expect(w.stops()).toEqual([{ task: session.runtime!.runtimeId, reason: 'sessionplane: launch-timeout' }]);
    expect(await w.deps.quotas.get('bo')).toMatchObject({ sessions: 0 });
  });

  it("ends a live session whose task died unnoticed (a missed event), with the runtime's reason", async () => {
    const w = await reaperWorld(db);
    const s = await w.ready();
    w.ecs.exit(s.runtime!.runtimeId, 137, 'OutOfMemoryError');
    expect((await reap(w.deps, { concurrency: 4 })).reaped).toEqual({ dead: 1 });
    expect(await w.deps.store.get(s.id)).toMatchObject({
      status: 'STOPPED',
      // The reaper's reading says what the event would have: ECS's reason and the app's exit code.
      statusReason: 'EssentialContainerExited: OutOfMemoryError (exit code 137)',
    });
  });

  it('stops a task no live session owns, re-issues a stop that did not take, and settles one that did', async () => {
    const w = await reaperWorld(db);
    const orphan = makeSession();
    const { runtimeId: orphanTask } = await w.deps.runtime.start({
      session: orphan,
      app: w.deps.apps.get('web')!,
      secret: 's',
    });
    const stuck = await w.ready();
    const settled = await w.ready();
    for (const s of [stuck, settled])
      await w.deps.store.transition(s, { ...s, status: 'STOPPING', statusReason: 'user', version: s.version + 1 });
    w.ecs.exit(settled.runtime!.runtimeId, 0); // stopped, but the event was missed
    const summary = await reap(w.deps, { concurrency: 4 });
    expect(summary.orphansStopped).toBe(1);
    expect(summary.reaped).toEqual({ 'stop-settled': 1 });
    expect(w.stops()).toEqual(
      expect.arrayContaining([
        { task: orphanTask, reason: 'sessionplane: orphan' },
        { task: stuck.runtime!.runtimeId, reason: 'sessionplane: user' },
      ]),
    );
    expect(await w.deps.store.get(settled.id)).toMatchObject({ status: 'STOPPED', statusReason: 'user' });
    w.ecs.tick();
    await reap(w.deps, { concurrency: 4 });
    expect((await w.deps.store.get(stuck.id))?.status).toBe('STOPPED');
  });

  it('re-derives drifted usage counters from the live sessions, but not ones that just changed', async () => {
    const w = await reaperWorld(db);
    await w.ready('cy');
    // Drift, as after a crash between a session's end and its release.
    await w.deps.quotas.reserve('cy', { cpu: 1, memory: 512, gpus: 0 }, w.deps.policy.limits);
    await w.deps.quotas.reserve('cy', { cpu: 1, memory: 512, gpus: 0 }, w.deps.policy.limits);
    expect((await reap(w.deps, { concurrency: 4 })).countersRepaired).toBe(0); // changed just now: a launch may be in flight
    w.advance(61_000);
    await w.deps.store.recordActivity((await w.deps.store.listByOwner('cy')).items[0]!.id, w.clock.now());
    expect((await reap(w.deps, { concurrency: 4 })).countersRepaired).toBe(1);
    expect(await w.deps.quotas.get('cy')).toEqual({ sessions: 1, jobs: 0, cpu: 1, memory: 512, gpus: 0 });
  });

  it('takes an owner whose counter is back to zero out of the usage index, so a pass reads only owners with something live (#40)', async () => {
    const w = await reaperWorld(db);
    const owners = async () => {
      const found: string[] = [];
      for await (const r of w.deps.quotas.listUsage()) found.push(r.owner);
      return found;
    };
    const one = { cpu: 1, memory: 512, gpus: 0 };
    await w.deps.quotas.reserve('gil', one, w.deps.policy.limits);
    await w.deps.quotas.release('gil', one);
    expect(await owners()).toContain('gil');
    await reap(w.deps, { concurrency: 4 }); // changed just now: left alone
    expect(await owners()).toContain('gil');
    w.advance(61_000);
    expect((await reap(w.deps, { concurrency: 4 })).countersRepaired).toBe(0);
    expect(await owners()).not.toContain('gil');
    // The next launch puts it back, counted.
    await w.deps.quotas.reserve('gil', one, w.deps.policy.limits);
    expect(await owners()).toContain('gil');
    expect(await w.deps.quotas.get('gil')).toMatchObject({ sessions: 1, cpu: 1 });
  });

  it('spreads usage records over shards of the index, and still lists one written before them until its owner launches again', async () => {
    const w = await reaperWorld(db);
    const { client, tableName } = w.deps.quotas as unknown as { client: DynamoDBDocumentClient; tableName: string };
    const shardOf = async (owner: string) =>
      (await client.send(new GetCommand({ TableName: tableName, Key: { id: `usage#${owner}` } }))).Item?.liveShard;
    const one = { cpu: 1, memory: 512, gpus: 0 };
    for (const owner of ['ann', 'ben', 'cat', 'dan', 'eve'])
      await w.deps.quotas.reserve(owner, one, w.deps.policy.limits);
    const shards = await Promise.all(['ann', 'ben', 'cat', 'dan', 'eve'].map(shardOf));
    expect(shards.every((x) => /^usage#[0-7]$/.test(String(x)))).toBe(true);
    expect(new Set(shards).size).toBeGreaterThan(1);
    // A record as the store wrote it before the shards.
    await client.send(
      new PutCommand({
        TableName: tableName,
        Item: {
          id: 'usage#old',
          sessions: 1,
          jobs: 0,
          cpu: 1,
          memory: 512,
          gpus: 0,
          updatedAt: 1,
          liveShard: 'usage',
          createdAt: 0,
        },
      }),
    );
    const owners: string[] = [];
    for await (const r of w.deps.quotas.listUsage()) owners.push(r.owner);
    expect(owners).toEqual(expect.arrayContaining(['ann', 'ben', 'cat', 'dan', 'eve', 'old']));
    await w.deps.quotas.reserve('old', one, w.deps.policy.limits);
    expect(await shardOf('old')).toMatch(/^usage#[0-7]$/);
    expect(await w.deps.quotas.get('old')).toMatchObject({ sessions: 2 });
  });

  it('reads the live index, never scans, and bounds its runtime calls in flight', async () => {
    const w = await reaperWorld(db);
    for (let i = 0; i < 12; i++) await w.ready(`u${i}`);
    w.advance(IDLE_MS - 1000);
    await reap(w.deps, { concurrency: 3 }); // the warning pass
    w.advance(1001);
    let inFlight = 0;
    let most = 0;
    const stop = w.deps.runtime.stop.bind(w.deps.runtime);
    w.deps.runtime.stop = async (id, reason) => {
      most = Math.max(most, ++inFlight);
      try {
        return await stop(id, reason);
      } finally {
        inFlight--;
      }
    };
    w.commands.length = 0;
    expect((await reap(w.deps, { concurrency: 3 })).reaped).toEqual({ idle: 12 });
    expect(most).toBeLessThanOrEqual(3);
    expect(w.commands).not.toContain('ScanCommand');
    expect(w.commands).toContain('QueryCommand');
  });
});

describe('reaper fault injection: nothing runs unowned, nothing is lost, nothing ends twice', () => {
  let db: EmbeddedDynamoDb;
  beforeAll(async () => {
    db = await startEmbeddedDynamoDb();
  });
  afterAll(async () => db.close());

  it('a crash between writing the record and RunTask (record only)', async () => {
    const w = await reaperWorld(db);
    const s = makeSession({
      owner: 'dee',
      app: 'web',
      createdAt: w.clock.now(),
      launchDeadline: w.clock.now() + 25_000,
      tokenHash: hashToken('x'),
    });
    await w.deps.quotas.reserve('dee', s.resources, w.deps.policy.limits);
    await w.deps.store.create(s); // ... and the process died before RunTask
    w.advance(26_000);
    await reap(w.deps, { concurrency: 4 });
    await w.settle();
    expect(await w.deps.store.get(s.id)).toMatchObject({ status: 'FAILED', statusReason: 'launch-timeout' });
    expect(await w.deps.quotas.get('dee')).toMatchObject({ sessions: 0 });
    expect(await w.invariants()).toEqual({ liveWithoutTask: [], taskWithoutLive: [], endedTwice: [] });
  });

  it('a crash between RunTask and the record update (task only)', async () => {
    const w = await reaperWorld(db);
    const s = makeSession({
      owner: 'eve',
      app: 'web',
      createdAt: w.clock.now(),
      launchDeadline: w.clock.now() + 25_000,
    });
    await w.deps.store.create(s);
    await w.deps.runtime.start({ session: s, app: w.deps.apps.get('web')!, secret: 'x' }); // ... died before recording STARTING
    w.ecs.tick();
    await reap(w.deps, { concurrency: 4 });
    expect((await w.deps.store.get(s.id))?.status).toBe('PENDING'); // still within its launch timeout: left alone
    w.advance(26_000);
    await reap(w.deps, { concurrency: 4 });
    await w.settle();
    expect(await w.deps.store.get(s.id)).toMatchObject({ status: 'FAILED', statusReason: 'launch-timeout' });
    expect(await w.invariants()).toEqual({ liveWithoutTask: [], taskWithoutLive: [], endedTwice: [] });
  });

  it('two reapers at once', async () => {
    const w = await reaperWorld(db);
    const sessions = await Promise.all(Array.from({ length: 8 }, (_, i) => w.ready(`own${i}`)));
    w.advance(IDLE_MS - 1000);
    await Promise.all([reap(w.deps, { concurrency: 4 }), reap(w.deps, { concurrency: 4 })]); // both warn: each warning once
    for (const s of sessions)
      expect((await w.deps.events.list(s.id)).filter((e) => e.phase === 'idle-warning')).toHaveLength(1);
    w.advance(1001);
    await Promise.all([reap(w.deps, { concurrency: 4 }), reap(w.deps, { concurrency: 4 })]);
    await w.settle();
    await Promise.all([reap(w.deps, { concurrency: 4 }), reap(w.deps, { concurrency: 4 })]);
    for (const s of sessions) expect((await w.deps.store.get(s.id))?.status).toBe('STOPPED');
    for (const s of sessions) expect(w.releases.get(s.owner)).toBe(1);
    expect(await w.invariants()).toEqual({ liveWithoutTask: [], taskWithoutLive: [], endedTwice: [] });
  });

  it("a user's stop racing the reaper", async () => {
    const w = await reaperWorld(db);
    const sessions = await Promise.all(Array.from({ length: 6 }, (_, i) => w.ready(`racer${i}`)));
    w.advance(IDLE_MS + 1);
    const { stopSession } = await import('../../../shared/services/stop');
    await Promise.all([reap(w.deps, { concurrency: 2 }), ...sessions.map((s) => stopSession(w.deps, s.id, 'user'))]);
    await w.settle();
    for (const s of sessions) {
      const final = await w.deps.store.get(s.id);
      expect(final?.status).toBe('STOPPED');
      expect(['user', 'idle']).toContain(final?.statusReason);
      expect(w.releases.get(s.owner)).toBe(1);
    }
    expect(await w.invariants()).toEqual({ liveWithoutTask: [], taskWithoutLive: [], endedTwice: [] });
  });
});

describe('reaper usage repair', () => {
  let db: EmbeddedDynamoDb;
  beforeAll(async () => {
    db = await startEmbeddedDynamoDb();
  });
  afterAll(async () => db.close());

  it('does not count what the same pass ended, even when the release looks settled (a skewed clock)', async () => {
    const w = await reaperWorld(db);
    // The counter's writer runs two minutes behind the reaper, so a fresh release looks old.
    const { DynamoDbQuotaStore } = await import('../../../shared/adapters/dynamodb/dynamodb-quota-store');
    const skewed = new DynamoDbQuotaStore(
      (w.deps.quotas as unknown as { client: never }).client,
      (w.deps.quotas as unknown as { tableName: string }).tableName,
      () => w.clock.now() - 120_000,
    );
    w.deps.quotas.release = skewed.release.bind(skewed);
    const { launchSession } = await import('../../../shared/services/launch');
    const { session } = await launchSession(w.deps, { owner: 'fay', app: 'web' });
    w.advance(25_001); // stuck: the pass fails it and releases its share
    expect((await reap(w.deps, { concurrency: 2 })).reaped).toEqual({ 'launch-timeout': 1 });
    expect((await w.deps.store.get(session.id))?.status).toBe('FAILED');
    expect(await w.deps.quotas.get('fay')).toEqual({ sessions: 0, jobs: 0, cpu: 0, memory: 0, gpus: 0 });
  });
});
