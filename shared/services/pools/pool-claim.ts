import { performance } from 'node:perf_hooks';
import type { AppSpec } from '../../domain/app';
import { once } from '../../domain/events';
import { hashToken } from '../../domain/ids';
import { specHash, type PoolInstance } from '../../domain/pool';
import type { Resources, Session } from '../../domain/session';
import { sessionCredentials } from '../credentials';
import type { LaunchDeps, LaunchResult, Pools } from '../deps';
import { claimOrReplay } from '../idempotent-launch';
import { recordEvents } from '../session-events';

type PoolLaunch = {
  owner: string;
  name?: string | undefined;
  idempotency?: { key: string; requestHash: string; ttlSeconds?: number } | undefined;
};

/**
 * Whether an instance may still be handed out at `now`: ready, of the app's current spec, not recycled, not about to
 * expire.
 */
function claimable(instance: PoolInstance, hash: string, recycledAt: number | undefined, now: number): boolean {
  return (
    instance.state === 'READY' &&
    instance.specHash === hash &&
    instance.runtime?.endpoint !== undefined &&
    instance.expiresAt > now + 5000 &&
    !(recycledAt !== undefined && instance.createdAt <= recycledAt)
  );
}

/** The app's ready instances that may be handed out, in random order (concurrent launches spread over them). */
async function candidatesOf(deps: LaunchDeps & { pools: Pools }, app: AppSpec): Promise<PoolInstance[]> {
  const now = deps.clock.now();
  const [instances, status] = await Promise.all([deps.pools.store.list(), deps.pools.store.status(app.name)]);
  const hash = specHash(app, deps.pools.revision?.(app));
  const candidates = instances.filter((i) => i.app === app.name && claimable(i, hash, status.recycledAt, now));
  for (let i = candidates.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [candidates[i], candidates[j]] = [candidates[j]!, candidates[i]!];
  }
  return candidates;
}

/**
 * Claims the first candidate it can: one conditional write (READY → CLAIMED), so two launches
 * never get one instance. Each is first asked of the runtime (and, on one machine, its port), so
 * an instance that died before its runtime event was applied is never handed out.
 */
async function claimFirst(
  deps: LaunchDeps & { pools: Pools },
  candidates: PoolInstance[],
): Promise<PoolInstance | undefined> {
  for (const candidate of candidates) {
    const seen = await deps.runtime
      .inspect(candidate.runtime!.runtimeId, { startedAt: candidate.createdAt })
      .catch(() => undefined);
    if (seen?.phase !== 'ready' && seen?.phase !== 'running') continue; // the keeper removes it
    // Where the server can reach the app (one machine): its port must still accept. A process killed
    // a moment ago has closed it, before the runtime has heard of its exit.
    if (deps.pools.reachable && !(await deps.pools.reachable(candidate.runtime!.endpoint!))) continue;
    const claimed = await deps.pools.store.claim(candidate, deps.clock.now());
    if (claimed) return claimed;
  }
  return undefined;
}

/** Puts a claimed instance back (a launch that did not go on with it). */
async function unclaim(deps: { pools: Pools }, instance: PoolInstance): Promise<void> {
  const { claimedAt: _at, ...rest } = instance;
  await deps.pools.store
    .update(instance, { ...rest, state: 'READY', version: instance.version + 1 })
    .catch(() => undefined);
}

/**
 * A launch served by the app's warm pool: the owner's quota reserved as for any launch, one ready
 * instance claimed, and the session recorded READY with that instance. Undefined (a miss) when
 * no instance is ready: the caller starts one as usual. The app's secret is the instance's own
 * (derived from its id, which the session takes); the router token is the session's.
 */
// Over 60 lines: a claim's protocol in its order (claim, take over, record, hand the token), each write conditional.
export async function launchPooled(
  deps: LaunchDeps & { pools: Pools },
  app: AppSpec,
  input: PoolLaunch,
  params: Record<string, string>,
  resources: Resources,
): Promise<LaunchResult | undefined> {
  const began = performance.now();
  // The owner's quota and the claim at once: a refused quota puts the instance back.
  const [reserved, claimed] = await Promise.allSettled([
    deps.quotas.reserve(input.owner, resources, deps.policy.limits),
    candidatesOf(deps, app).then((candidates) => claimFirst(deps, candidates)),
  ]);
  if (reserved.status === 'rejected') {
    if (claimed.status === 'fulfilled' && claimed.value) await unclaim(deps, claimed.value);
    throw reserved.reason;
  }
  if (claimed.status === 'rejected') {
    await deps.quotas.release(input.owner, resources);
    throw claimed.reason;
  }
  const instance = claimed.value;
  if (!instance) {
    await deps.quotas.release(input.owner, resources);
    deps.metrics.poolClaim(app.name, false, performance.now() - began);
    await deps.pools.store.changeStatus(app.name, { kind: 'miss' }).catch(() => undefined);
    deps.pools.poke?.(app.name);
    return undefined;
  }
  const id = instance.id;
  const back = async () => {
    await Promise.all([deps.quotas.release(input.owner, resources), unclaim(deps, instance)]);
  };
  const claim = input.idempotency && {
    owner: input.owner,
    key: input.idempotency.key,
    requestHash: input.idempotency.requestHash,
    sessionId: id,
  };
  if (claim) {
    const replay = await claimOrReplay(deps, claim, input.idempotency?.ttlSeconds).catch(async (error: unknown) => {
      await back();
      throw error;
    });
    if (replay) {
      await back();
      return replay;
    }
  }

  const now = deps.clock.now();
  const { token, secret } = sessionCredentials(deps, id);
  const session: Session = {
    id,
    owner: input.owner,
    app: app.name,
    name: input.name ?? app.name,
    status: 'READY',
    pooled: true,
    resources,
    params,
    runtime: instance.runtime!,
    tokenHash: hashToken(token),
    createdAt: now,
    launchDeadline: now,
    readyAt: now,
    expiresAt: now + app.maxLifetimeMs,
    version: 1,
  };
  // The record; its event and the pool's count only tell, so where a keeper runs beside (the
  // local server) they are written after the reply, else at once beside the record.
  const readySince = new Date(instance.readyAt ?? instance.createdAt).toISOString();
  const tell = () =>
    Promise.all([
      recordEvents(deps, id, [once('claimed', now, `Claimed from the ${app.name} pool (ready since ${readySince}).`)]),
      deps.pools.store.changeStatus(app.name, { kind: 'hit' }).catch(() => undefined),
    ]);
  const [created] = await Promise.allSettled([deps.store.create(session), deps.pools.defer ? undefined : tell()]);
  if (created.status === 'fulfilled') deps.pools.defer?.(tell);
  if (created.status === 'rejected') {
    if (claim) await deps.idempotency.forget(claim);
    await back();
    throw created.reason;
  }
  const ms = performance.now() - began;
  deps.logger.info({ sessionId: id, owner: input.owner, app: app.name, ms }, 'session launch: claimed from the pool');
  deps.metrics.poolClaim(app.name, true, ms);
  deps.pools.poke?.(app.name);
  return { session, token, secret, replayed: false, pooled: true };
}
