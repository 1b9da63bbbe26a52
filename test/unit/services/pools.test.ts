import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DynamoDbPoolStore } from '../../../shared/adapters/dynamodb/dynamodb-pool-store';
import type { EmbeddedDynamoDb } from '../../../shared/adapters/dynamodb/embedded-dynamodb';
import type { LocalProcessRuntime } from '../../../shared/adapters/runtime/local-process/local-process-runtime';
import type { AppSpec } from '../../../shared/domain/app';
import type { RuntimeEvent } from '../../../shared/ports/runtime';
import { AppCatalog } from '../../../shared/services/catalog';
import { handleRuntimeEvent } from '../../../shared/services/runtime-events';
import { launchSession } from '../../../shared/services/launch';
import type { LaunchDeps, Pools } from '../../../shared/services/deps';
import { tendPools, type KeeperOptions } from '../../../shared/services/pools/pool-keeper';
import { reap } from '../../../shared/services/reaper/reap';
import { fixtureApp } from '../../support/apps';
import { localRuntimeIn } from '../../support/local-runtime';
import { makeServiceDeps } from '../../support/services';
import { embeddedTable } from '../../support/table';
import { pidAlive, waitFor } from '../../support/wait';

const TABLE = 'pools';
const KEEPER: KeeperOptions = {
  holder: 'test',
  burst: 5,
  staggerMs: 0,
  pauseAfter: 3,
  backoffBaseMs: 50,
  claimGraceMs: 500,
};
const pidOf = (runtimeId: string) => Number(runtimeId.split(':')[2]);

describe('pool keeper and reaper (services on dynalite and real processes)', () => {
  let db: EmbeddedDynamoDb;
  let deps: LaunchDeps & { pools: Pools };
  let runtime: LocalProcessRuntime;
  let dir: string;
  let apps: Map<string, AppSpec>;
  let offset = 0;
  /** Runtime events kept from the services while a test holds them (as a slow event pipe would). */
  let held: RuntimeEvent[] | undefined;
  const inFlight = new Set<Promise<unknown>>();
  const settled = async () => {
    while (inFlight.size) await Promise.allSettled([...inFlight]);
  };

  beforeAll(async () => {
    const table = await embeddedTable(TABLE);
    db = table.db;
    deps = {} as never;
    Object.assign(deps, { client: table.client });
  });
  afterAll(async () => db.close());

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'sp-pools-'));
    const events: RuntimeEvent[] = [];
    runtime = localRuntimeIn(dir, events);
    apps = new Map([['echo', fixtureApp([], { name: 'echo', pool: { min: 2, max: 2, ttlMs: 60_000, schedule: [] } })]]);
    offset = 0;
    const client = (deps as unknown as { client: Parameters<typeof makeServiceDeps>[0] }).client;
    const clock = { now: () => Date.now() + offset };
    const pools: Pools = {
      store: new DynamoDbPoolStore(client, TABLE),
      failures: { pauseAfter: 3, backoffBaseMs: 50 },
    };
    deps = Object.assign(makeServiceDeps(client, TABLE, runtime, {}, { apps: new AppCatalog(apps), clock, pools }), {
      client,
    }) as never;
    held = undefined;
    runtime.onEvent((e) => {
      if (held) return void held.push(e);
      const work = handleRuntimeEvent(deps, e).finally(() => inFlight.delete(work));
      inFlight.add(work);
    });
  });
  afterEach(async () => {
    // As the server's shutdown does: records first, so the exits are not failed starts.
    for (const i of await deps.pools.store.list()) await deps.pools.store.remove(i);
    await runtime.stopAll('shutdown');
    await settled();
    expect(await deps.pools.store.status('echo')).toMatchObject({ failures: 0 });
    rmSync(dir, { recursive: true, force: true });
  });

  const mine = async () => (await deps.pools.store.list()).filter((i) => i.app === 'echo');
  const allReady = (n: number) =>
    waitFor(async () => (await mine()).filter((i) => i.state === 'READY').length === n, 10_000, `${n} ready`);

  it('replaces the instances of an older spec, and claims only those of the current one', async () => {
    expect((await tendPools(deps, KEEPER)).started).toBe(2);
    await allReady(2);
    const old = await mine();
    apps.set('echo', { ...apps.get('echo')!, env: { VERSION: '2' } });
    const pass = await tendPools(deps, KEEPER);
    expect(pass.removed).toEqual({ 'spec-changed': 2 });
    expect(pass.started).toBe(2);
    for (const i of old) expect(pidAlive(pidOf(i.runtime!.runtimeId))).toBe(false);
    await allReady(2);
    const fresh = await mine();
    expect(fresh.every((i) => i.specHash !== old[0]!.specHash)).toBe(true);
    const launched = await launchSession(deps, { owner: 'alice', app: 'echo' });
    expect(launched.pooled).toBe(true);
    expect(fresh.map((i) => i.id)).toContain(launched.session.id);
  });

  it('asks the runtime before a claim: an instance that died while its record still says READY is never handed out', async () => {
    await tendPools(deps, KEEPER);
    await allReady(2);
    const [victim, survivor] = await mine();
    held = [];
    process.kill(-pidOf(victim!.runtime!.runtimeId), 'SIGKILL');
    await waitFor(async () => !pidAlive(pidOf(victim!.runtime!.runtimeId)), 5000, 'the victim gone');
    expect((await deps.pools.store.get(victim!.id))?.state).toBe('READY'); // its exit not yet applied
    const launched = await launchSession(deps, { owner: 'alice', app: 'echo' });
    expect(launched).toMatchObject({ pooled: true, session: { id: survivor!.id } });
    const late = held;
    held = undefined;
    for (const e of late) await handleRuntimeEvent(deps, e);
  });

  it('never lets an unclaimed instance outlive its ttl, even with no keeper: the reaper retires it, and never as an orphan', async () => {
    await tendPools(deps, KEEPER);
    await allReady(2);
    const instances = await mine();
    // Within its ttl the reaper leaves the pool alone: pool instances are not orphans.
    const first = await reap(deps, { concurrency: 4 });
    expect(first).toMatchObject({ orphansStopped: 0, poolsPruned: 0 });
    for (const i of instances) expect(pidAlive(pidOf(i.runtime!.runtimeId))).toBe(true);
    offset = 61_000;
    const second = await reap(deps, { concurrency: 4 });
    expect(second).toMatchObject({ orphansStopped: 0, poolsPruned: 2 });
    for (const i of instances) expect(pidAlive(pidOf(i.runtime!.runtimeId))).toBe(false);
    expect(await mine()).toEqual([]);
  });

  it('a claim whose session was never recorded (a crash in between) is stopped after the grace; a recorded one is left to its session', async () => {
    await tendPools(deps, KEEPER);
    await allReady(2);
    const [lost, kept] = await mine();
    expect(await deps.pools.store.claim(lost!, deps.clock.now())).toBeTruthy();
    // Twice at once: exactly one claim wins.
    const twice = await Promise.all([
      deps.pools.store.claim(kept!, deps.clock.now()),
      deps.pools.store.claim(kept!, deps.clock.now()),
    ]);
    expect(twice.filter(Boolean)).toHaveLength(1);
    await deps.pools.store.update(twice.find(Boolean)!, { ...kept!, version: kept!.version + 2 }); // put it back, READY
    const within = await tendPools(deps, { ...KEEPER, burst: 0 });
    expect(within.removed).toEqual({});
    offset = 1000;
    const after = await tendPools(deps, { ...KEEPER, burst: 0 });
    expect(after.removed).toEqual({ orphan: 1 });
    expect(pidAlive(pidOf(lost!.runtime!.runtimeId))).toBe(false);

    const launched = await launchSession(deps, { owner: 'bob', app: 'echo' });
    expect(launched.session.id).toBe(kept!.id);
    const pass = await tendPools(deps, { ...KEEPER, burst: 0 });
    expect(pass.removed).toEqual({ claimed: 1 });
    expect(pidAlive(pidOf(kept!.runtime!.runtimeId))).toBe(true);
    expect((await deps.store.get(kept!.id))?.status).toBe('READY');
  });

  it('empties a pool in a schedule window whose min is 0, and fills it again after', async () => {
    await tendPools(deps, KEEPER);
    await allReady(2);
    const minute = Math.floor((Date.now() % 86_400_000) / 60_000);
    const pool = apps.get('echo')!.pool!;
    apps.set('echo', {
      ...apps.get('echo')!,
      pool: { ...pool, schedule: [{ from: minute, to: (minute + 2) % 1440, min: 0 }] },
    });
    const night = await tendPools(deps, KEEPER);
    expect(night.removed).toEqual({ 'scale-down': 2 });
    expect(await mine()).toEqual([]);
    offset = 3 * 60_000; // past the window
    const morning = await tendPools(deps, KEEPER);
    expect(morning.started).toBe(2);
  });

  it('fills at most `burst` at once: a pool of 5 starts 2, then the rest as those get ready', async () => {
    apps.set('echo', { ...apps.get('echo')!, pool: { min: 5, max: 5, ttlMs: 60_000, schedule: [] } });
    expect((await tendPools(deps, { ...KEEPER, burst: 2 })).started).toBe(2);
    let passes = 1;
    for (;;) {
      const states = (await mine()).map((i) => i.state);
      expect(states.filter((st) => st === 'STARTING').length).toBeLessThanOrEqual(2);
      if (states.filter((st) => st === 'READY').length === 5) break;
      await tendPools(deps, { ...KEEPER, burst: 2 });
      passes++;
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(passes).toBeGreaterThan(2);
  });
});
