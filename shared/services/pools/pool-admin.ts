import { DomainError } from '../../domain/errors';
import type { SessionEvent } from '../../domain/events';
import { poolLogKey, poolTarget, type PoolInstance, type PoolSpec, type PoolStatus } from '../../domain/pool';
import type { ServiceDeps, Pools } from '../deps';
import { recordEvents } from '../session-events';

type AdminDeps = Pick<ServiceDeps, 'apps' | 'clock' | 'events' | 'logger' | 'metrics'> & { pools?: Pools | undefined };

/** One app's pool as admins see it. */
export interface PoolView {
  app: string;
  spec: PoolSpec;
  /** What it keeps ready now (its schedule's window, or `min`). */
  target: number;
  ready: number;
  starting: number;
  claimed: number;
  status: PoolStatus;
  events: SessionEvent[];
}

function pooled(deps: AdminDeps, name: string): { pools: Pools; spec: PoolSpec } {
  const spec = deps.apps.get(name)?.pool;
  if (!deps.pools || !spec)
    throw new DomainError('pool.not_found', `No pool for an app named ${JSON.stringify(name)}.`, {
      details: { app: name },
    });
  return { pools: deps.pools, spec };
}

/** Every pool: its spec, instances by state, counters, pause, and its own recent events. */
export async function poolViews(deps: AdminDeps): Promise<PoolView[]> {
  if (!deps.pools) return [];
  const [instances, statuses] = await Promise.all([deps.pools.store.list(), deps.pools.store.statuses()]);
  const now = deps.clock.now();
  const count = (list: PoolInstance[], state: PoolInstance['state']) => list.filter((i) => i.state === state).length;
  return Promise.all(
    deps.apps
      .list()
      .filter((a) => a.pool)
      .map(async (app) => {
        const mine = instances.filter((i) => i.app === app.name);
        const events = await deps.events.list(poolLogKey(app.name));
        return {
          app: app.name,
          spec: app.pool!,
          target: poolTarget(app.pool!, now),
          ready: count(mine, 'READY'),
          starting: count(mine, 'STARTING'),
          claimed: count(mine, 'CLAIMED'),
          status: statuses.find((s) => s.app === app.name) ?? { app: app.name, hits: 0, misses: 0, failures: 0 },
          events: events.slice(-10),
        };
      }),
  );
}

/** An admin pauses a pool: no starts until resumed (ready instances stay claimable). */
export async function pausePool(deps: AdminDeps, name: string, by: string, why?: string): Promise<void> {
  const { pools } = pooled(deps, name);
  const now = deps.clock.now();
  const reason = `paused by ${by}${why ? `: ${why}` : ''}`;
  await pools.store.changeStatus(name, { kind: 'pause', by: 'admin', at: now, reason });
  await recordEvents(deps, poolLogKey(name), [
    { key: `paused:${now}`, at: now, phase: 'paused', message: `Pool ${reason}.` },
  ]);
}

/** Resumes a pool (paused by an admin or by failures): its failure count and backoff start over. */
export async function resumePool(deps: AdminDeps, name: string, by: string): Promise<void> {
  const { pools } = pooled(deps, name);
  const now = deps.clock.now();
  await pools.store.changeStatus(name, { kind: 'resume' });
  await recordEvents(deps, poolLogKey(name), [
    { key: `resumed:${now}`, at: now, phase: 'resumed', message: `Pool resumed by ${by}.` },
  ]);
  pools.poke?.(name);
}

/** Replaces every unclaimed instance of a pool with a fresh one (gradually, as a spec change does). */
export async function recyclePool(deps: AdminDeps, name: string): Promise<void> {
  const { pools } = pooled(deps, name);
  await pools.store.changeStatus(name, { kind: 'recycle', at: deps.clock.now() });
  pools.poke?.(name);
}
