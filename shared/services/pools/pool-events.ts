import { setTimeout as sleep } from 'node:timers/promises';
import { ConflictError } from '../../domain/errors';
import { once } from '../../domain/events';
import { poolBackoffMs, poolLogKey, type PoolInstance } from '../../domain/pool';
import type { Session } from '../../domain/session';
import type { RuntimeEvent } from '../../ports/runtime';
import type { ServiceDeps, Pools } from '../deps';

import { recordEvents } from '../session-events';

/** After how many failed starts in a row a pool pauses, and the first backoff. */
export interface FailureOptions {
  pauseAfter: number;
  backoffBaseMs?: number | undefined;
}

/** Counts a failed start: backoff before the next, and a pause (an event and a metric) after `pauseAfter` in a row. */
export async function poolStartFailed(
  deps: ServiceDeps & { pools: Pools },
  app: string,
  error: string,
  options: FailureOptions,
): Promise<void> {
  const before = await deps.pools.store.status(app);
  const now = deps.clock.now();
  const after = await deps.pools.store.changeStatus(app, {
    kind: 'start-failed',
    error,
    nextStartAt: now + poolBackoffMs(before.failures + 1, options.backoffBaseMs),
  });
  const failures = after.failures;
  deps.logger.warn({ app, failures, err: error }, 'pool instance did not start');
  if (failures >= options.pauseAfter && !after.paused) {
    const reason = `${failures} starts in a row failed; the last: ${error}`;
    await deps.pools.store.changeStatus(app, { kind: 'pause', by: 'failures', at: now, reason });
    await recordEvents(deps, poolLogKey(app), [
      { key: `paused:${now}`, at: now, phase: 'paused', message: `Pool paused: ${reason}.` },
    ]);
    deps.metrics.poolPaused(app);
  }
}

/** What a pool instance's runtime event needs: the services, and how the keeper counts failures. */
export type PoolEventDeps = ServiceDeps & { pools: Pools };

/**
 * Applies a runtime event of a pool instance (one no session owns yet): ready → READY with its
 * endpoint (and the pool's failure count reset); an exit or failure → its record removed (a start
 * that never got ready counts as a failed start: backoff, pause). An instance claimed a moment
 * ago hands the event to its session once that is recorded. Returns the session the event went to, if any.
 */
export async function handlePoolEvent(
  deps: PoolEventDeps,
  event: RuntimeEvent,
  toSession: (session: Session) => Promise<Session | undefined>,
  options: FailureOptions,
): Promise<Session | undefined> {
  let current = await deps.pools.store.get(event.sessionId);
  let counted = false;
  for (let attempt = 0; current && attempt < 10; attempt++) {
    if (current.runtime && current.runtime.runtimeId !== event.runtimeId) return undefined;
    if (current.state === 'CLAIMED') {
      // Claimed between the event and now: the launch is writing its session; the event is the session's.
      for (let wait = 25; wait <= 800; wait *= 2) {
        const session = await deps.store.get(current.id);
        if (session) return toSession(session);
        await sleep(wait);
      }
      return undefined; // the keeper stops a claimed instance whose session never came
    }
    try {
      if (event.type === 'ready') {
        if (current.state !== 'STARTING') return undefined;
        const now = deps.clock.now();
        const runtime = {
          kind: current.runtime?.kind ?? deps.runtime.kind,
          ...current.runtime,
          runtimeId: event.runtimeId,
          endpoint: event.endpoint,
        };
        const next: PoolInstance = { ...current, state: 'READY', runtime, readyAt: now, version: current.version + 1 };
        await deps.pools.store.update(current, next);
        await Promise.all([
          recordEvents(deps, current.id, [once('ready', now, 'Ready in the pool, for the next launch.')]),
          deps.pools.store.changeStatus(current.app, { kind: 'start-succeeded' }),
        ]);
        deps.logger.info({ sessionId: current.id, app: current.app }, 'pool instance ready');
      } else {
        const why =
          event.type === 'failed' ? event.reason : (event.reason ?? `exit code ${event.code ?? event.signal}`);
        // Counted before the record goes: a keeper pass that sees it gone sees the backoff too.
        if (current.state === 'STARTING' && !counted) {
          counted = true;
          await poolStartFailed(deps, current.app, why, options);
        }
        if (!(await deps.pools.store.remove(current)))
          throw new ConflictError('moved on', await deps.pools.store.get(current.id));
        deps.logger.warn({ sessionId: current.id, app: current.app, state: current.state, why }, 'pool instance ended');
      }
      deps.pools.poke?.(current.app);
      return undefined;
    } catch (error) {
      if (!(error instanceof ConflictError)) throw error;
      current = error.current as PoolInstance | undefined;
    }
  }
  return undefined;
}
