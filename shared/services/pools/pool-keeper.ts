import type { AppSpec } from '../../domain/app';
import { CapacityError, ConflictError } from '../../domain/errors';
import { once } from '../../domain/events';
import { newSessionId } from '../../domain/ids';
import { POOL_OWNER, poolTarget, specHash, type PoolInstance, type PoolStatus } from '../../domain/pool';
import { poolStartFailed } from './pool-events';
import { STATUS_REASONS, type Session } from '../../domain/session';
import { checkParams } from '../../domain/launch-request';
import { sessionCredentials } from '../credentials';
import type { LaunchDeps, Pools, ServiceDeps } from '../deps';
import { recordEvents } from '../session-events';

/** A pause on the global timers (the scale simulator runs them on simulated time). */
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export type PoolDeps = ServiceDeps & Pick<LaunchDeps, 'tokenKey'> & { pools: Pools };

export interface KeeperOptions {
  /** Who tends (a lease holder's name: the local server, a Lambda's request id). */
  holder: string;
  /** At most this many instances of one pool starting at once: pools fill gradually, never all at once. */
  burst: number;
  /** Between two starts of one pass. */
  staggerMs: number;
  /** Failed starts in a row after which a pool pauses itself. */
  pauseAfter: number;
  /** The backoff after the first failed start (doubling after each next one, at most 10 min); default 5 s. */
  backoffBaseMs?: number;
  /** A claimed instance whose session was never recorded (a crash in between) is stopped after this long. */
  claimGraceMs: number;
  /** No refill starts before this (a user launch found no capacity: users come first). */
  capacityShortUntil?: () => number;
  /** Whether instances are also checked against the runtime's list (a pass after a restart, the reaper). */
  checkRuntime?: boolean;
}

export interface TendSummary {
  started: number;
  removed: Record<string, number>;
  ready: Record<string, number>;
}

/** What a pool instance's start looks like to the runtime: a session of the pool's owner with the app's defaults. */
function poolSession(instance: PoolInstance, app: AppSpec): Session {
  return {
    id: instance.id,
    owner: POOL_OWNER,
    app: app.name,
    name: app.name,
    status: 'PENDING',
    resources: instance.resources,
    params: checkParams(app, {}).values,
    tokenHash: '',
    createdAt: instance.createdAt,
    launchDeadline: instance.launchDeadline,
    expiresAt: instance.expiresAt,
    version: 1,
  };
}

/**
 * Deletes an instance's record, then stops what runs. The record goes first and only if unchanged:
 * an instance claimed in the meantime is its session's and is never stopped here, and the stop's
 * own exit event finds no record. A crash in between leaves an instance nobody owns, which the
 * reaper's orphan sweep stops.
 */
async function retire(deps: ServiceDeps & { pools: Pools }, instance: PoolInstance, reason: string): Promise<boolean> {
  const removed = await deps.pools.store.remove(instance);
  if (!removed) return false;
  if (instance.runtime) await deps.runtime.stop(instance.runtime.runtimeId, reason);
  deps.logger.info({ sessionId: instance.id, app: instance.app, reason }, 'pool instance retired');
  return true;
}

/** Why an instance must go, or undefined if it may stay. */
async function verdict(
  deps: PruneDeps,
  i: PoolInstance,
  app: AppSpec | undefined,
  status: PoolStatus,
  listed: Set<string> | undefined,
  options: PruneOptions,
) {
  const now = deps.clock.now();
  if (i.state === 'CLAIMED') {
    // Its session owns the instance now; the record has done its work. Without a session (a crash
    // between the claim and the record), the instance is stopped once the launch cannot still write it.
    if (await deps.store.get(i.id)) return { reason: 'claimed', stop: false };
    return now - (i.claimedAt ?? i.createdAt) > options.claimGraceMs
      ? { reason: STATUS_REASONS.orphan, stop: true }
      : undefined;
  }
  if (!app?.pool || app.pool.max === 0) return { reason: 'retired', stop: true };
  if (i.specHash !== specHash(app, deps.pools.revision?.(app))) return { reason: 'spec-changed', stop: true };
  if (status.recycledAt !== undefined && i.createdAt <= status.recycledAt) return { reason: 'recycled', stop: true };
  if (now >= i.expiresAt) return { reason: 'ttl', stop: true };
  if (i.state === 'STARTING' && now >= i.launchDeadline)
    return { reason: STATUS_REASONS.launchTimeout, stop: true, failed: true };
  // A record whose instance the runtime no longer has (it died unnoticed, or the server restarted).
  // (Unlisted is asked of the runtime: ECS lists a task late, and says so for a young one. A record
  // with no instance at all is one whose start was cut short, once no start can still be returning.)
  if (listed && i.runtime && !listed.has(i.runtime.runtimeId)) {
    const seen = await deps.runtime.inspect(i.runtime.runtimeId, { startedAt: i.createdAt });
    if (seen.phase === 'stopped' || seen.phase === 'unknown') return { reason: STATUS_REASONS.lost, stop: true };
  }
  if (listed && !i.runtime && now - i.createdAt > 60_000) return { reason: STATUS_REASONS.lost, stop: false };
  return undefined;
}

/** Starts one instance of an app's pool; false if it could not. */
async function startOne(deps: PoolDeps, app: AppSpec, options: KeeperOptions): Promise<boolean> {
  const now = deps.clock.now();
  const record: PoolInstance = {
    id: newSessionId(),
    app: app.name,
    specHash: specHash(app, deps.pools.revision?.(app)),
    state: 'STARTING',
    resources: app.resources,
    createdAt: now,
    launchDeadline: now + app.launchTimeoutMs,
    expiresAt: now + app.pool!.ttlMs,
    version: 1,
  };
  // Recorded before it starts: a crash in between leaves a record the next pass removes, never a stray instance.
  await deps.pools.store.add(record);
  await recordEvents(deps, record.id, [once('requested', now, `Started ahead of demand for the ${app.name} pool.`)]);
  try {
    const started = await deps.runtime.start({
      session: poolSession(record, app),
      app,
      secret: sessionCredentials(deps, record.id).secret,
    });
    await recordEvents(deps, record.id, started.phases ?? []);
    const runtime = {
      kind: started.kind ?? deps.runtime.kind,
      runtimeId: started.runtimeId,
      ...(started.endpoint ? { endpoint: started.endpoint } : {}),
    };
    // Its readiness may have been written already (a fast app, with its endpoint): then the kind is put right.
    for (let current: PoolInstance | undefined = record; current && current.runtime?.kind !== runtime.kind; ) {
      try {
        await deps.pools.store.update(current, {
          ...current,
          runtime: { ...runtime, ...current.runtime, kind: runtime.kind },
          version: current.version + 1,
        });
        break;
      } catch (error) {
        if (!(error instanceof ConflictError)) throw error;
        current = error.current as PoolInstance | undefined;
      }
    }
    return true;
  } catch (error) {
    await deps.pools.store.remove(record).catch(() => false);
    if (error instanceof CapacityError) {
      deps.logger.info({ app: app.name, err: error.message }, 'pool refill waits: no capacity');
      return false;
    }
    await poolStartFailed(deps, app.name, (error as Error).message, options);
    return false;
  }
}

type PruneDeps = ServiceDeps & { pools: Pools };
type PruneOptions = Pick<KeeperOptions, 'claimGraceMs' | 'checkRuntime' | 'pauseAfter' | 'backoffBaseMs'>;

/**
 * Removes what must go from every pool: claimed records whose session took over, instances of an
 * older spec, recycled, past their ttl, never ready, or lost (stopped first where they run). The
 * reaper runs this too, so no pooled instance outlives its ttl even when no keeper runs. Returns
 * each pool's instances that stay, and the pools' statuses.
 */
export async function prunePools(
  deps: PruneDeps,
  options: PruneOptions,
  summary: TendSummary = { started: 0, removed: {}, ready: {} },
) {
  await deps.apps.refresh();
  const [instances, statuses] = await Promise.all([deps.pools.store.list(), deps.pools.store.statuses()]);
  const statusOf = new Map(statuses.map((s) => [s.app, s]));
  const listed = options.checkRuntime ? new Set((await deps.runtime.list()).map((i) => i.runtimeId)) : undefined;
  const names = new Set([
    ...deps.apps
      .list()
      .filter((a) => a.pool)
      .map((a) => a.name),
    ...instances.map((i) => i.app),
  ]);
  const kept = new Map<string, { instances: PoolInstance[]; status: PoolStatus }>();
  await Promise.all(
    [...names].map(async (name) => {
      const app = deps.apps.get(name);
      const status = statusOf.get(name) ?? { app: name, hits: 0, misses: 0, failures: 0 };
      const stay: PoolInstance[] = [];
      for (const instance of instances.filter((i) => i.app === name)) {
        const v = await verdict(deps, instance, app, status, listed, options);
        if (!v) {
          stay.push(instance);
          continue;
        }
        // A failed start is counted before its record goes, so a pass that sees it gone sees the backoff.
        if (v.failed && (await deps.pools.store.get(instance.id))?.version === instance.version)
          await poolStartFailed(deps, name, `not ready within ${app?.launchTimeoutMs ?? 0} ms`, options);
        const gone = v.stop ? await retire(deps, instance, v.reason) : await deps.pools.store.remove(instance);
        if (gone) summary.removed[v.reason] = (summary.removed[v.reason] ?? 0) + 1;
      }
      summary.ready[name] = stay.filter((i) => i.state === 'READY').length;
      if (app?.pool) deps.metrics.poolReady(name, summary.ready[name]);
      kept.set(name, { instances: stay, status });
    }),
  );
  return { kept, summary };
}

/**
 * One keeper pass: prunePools, then each pool filled towards its target at `now`, at most `burst`
 * starting at once and `staggerMs` apart, unless it is paused, backing off after a failure, or
 * capacity is short. Starting is leased per app, so two passes (two Lambdas) never start the same
 * replacements.
 */
export async function tendPools(deps: PoolDeps, options: KeeperOptions): Promise<TendSummary> {
  const { kept, summary } = await prunePools(deps, options);
  await Promise.all(
    [...kept].map(async ([name, { instances, status }]) => {
      const app = deps.apps.get(name);
      if (app?.pool) summary.started += await fillPool(deps, app, instances, status, options, summary);
    }),
  );
  return summary;
}

/** Starts what one pool lacks, within its burst, stagger, backoff and pause. */
async function fillPool(
  deps: PoolDeps,
  app: AppSpec,
  kept: PoolInstance[],
  seen: PoolStatus,
  options: KeeperOptions,
  summary: TendSummary,
): Promise<number> {
  const now = deps.clock.now();
  const holds = (status: PoolStatus) =>
    status.paused || (status.nextStartAt ?? 0) > now || (options.capacityShortUntil?.() ?? 0) > now;
  const alive = kept.filter((i) => i.state !== 'CLAIMED');
  const target = Math.min(poolTarget(app.pool!, now), app.pool!.max);
  if (alive.length > target) {
    // Above its target (a schedule window began, `min` was lowered): the newest go first, starting ones before ready
    // ones.
    const order = (i: PoolInstance) => (i.state === 'STARTING' ? 0 : 1);
    const excess = [...alive]
      .sort((a, b) => order(a) - order(b) || b.createdAt - a.createdAt)
      .slice(0, alive.length - target);
    const gone = await Promise.all(excess.map((i) => retire(deps, i, 'scale-down')));
    summary.removed['scale-down'] = gone.filter(Boolean).length;
    return 0;
  }
  const starting = alive.filter((i) => i.state === 'STARTING').length;
  const wanted = target - alive.length;
  const count = Math.min(wanted, options.burst - starting);
  if (count <= 0 || holds(seen)) return 0;
  if (!(await deps.pools.store.lease(app.name, options.holder, now, now + 60_000))) return 0;
  let started = 0;
  try {
    // Read again under the lease: a failure counted since this pass began holds it back.
    if (holds(await deps.pools.store.status(app.name))) return 0;
    for (let k = 0; k < count; k++) {
      if (k > 0) await sleep(options.staggerMs);
      if (!(await startOne(deps, app, options))) break;
      started++;
    }
  } finally {
    await deps.pools.store.release(app.name, options.holder);
  }
  return started;
}
