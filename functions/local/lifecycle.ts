import type { MiddlewareHandler } from 'hono';
import { CpuBusy } from '../../shared/services/cpu-busy';
import type { RuntimeByApp } from '../../shared/adapters/runtime/by-app';
import type { LocalConfig } from '../../shared/config/env';
import { ShuttingDownError } from '../../shared/domain/errors';
import { isFinal } from '../../shared/domain/session';
import type { Logger } from '../../shared/ports/logger';
import type { PoolStore } from '../../shared/ports/pool-store';
import type { LaunchDeps } from '../../shared/services/deps';
import { reap } from '../../shared/services/reaper/reap';
import { reconcileAll } from '../../shared/services/reaper/reconcile';
import { handleRuntimeEvent } from '../../shared/services/runtime-events';
import { queuedStarter } from '../../shared/services/launch-start';
import { dispatchQueue } from '../../shared/services/queue';
import type { LocalRuntimes } from './runtimes';

/**
 * Applies each runtime event to the store as it comes; `settled` waits for those seen so far. `ended` hears of each
 * session an event ended (its room may start a queued one).
 */
export function applyRuntimeEvents(
  runtime: RuntimeByApp,
  services: LaunchDeps,
  logger: Logger,
  ended: () => void = () => undefined,
) {
  const inFlight = new Set<Promise<unknown>>();
  runtime.onEvent((event) => {
    const work = handleRuntimeEvent(services, event)
      .then((after) => {
        if (after && isFinal(after.status)) ended();
      })
      .catch((error: unknown) =>
        logger.error({ err: error, sessionId: event.sessionId }, 'could not apply a runtime event'),
      )
      .finally(() => inFlight.delete(work));
    inFlight.add(work);
  });
  return {
    settled: async () => {
      while (inFlight.size) await Promise.allSettled([...inFlight]);
    },
  };
}

/**
 * What an earlier run left: its processes are stopped (their pipes went with it); its containers
 * are taken back if their session is live, removed if not. Then the records of what is gone end.
 */
export async function recoverEarlierRun(
  services: LaunchDeps,
  poolStore: PoolStore,
  { processes, containers }: Pick<LocalRuntimes, 'processes' | 'containers'>,
): Promise<void> {
  await processes.stopStrays();
  // Only a live session that recorded this very container keeps it: a launch cut short before
  // its record (PENDING, no instance) is failed by the reconcile below, so its container goes.
  // A pool's unclaimed container is taken back the same way, if its record names it.
  await containers?.adopt(async (id, runtimeId) => {
    const s = await services.store.get(id);
    if (s) return !isFinal(s.status) && s.runtime?.runtimeId === runtimeId ? services.apps.get(s.app) : undefined;
    const pooled = await poolStore.get(id);
    return pooled && pooled.state !== 'CLAIMED' && pooled.runtime?.runtimeId === runtimeId
      ? services.apps.get(pooled.app)
      : undefined;
  });
  await reconcileAll(services, { noLaunchInFlight: true });
}

/**
 * The reaper, on a timer; a pass still running when the next is due is not doubled. Before each pass, apps' CPU rules
 * are sampled (a busy session's idle clock starts again, so the pass sees it in use).
 */
export function reaperTimer(services: LaunchDeps, config: LocalConfig, logger: Logger) {
  let reaping: Promise<unknown> | undefined;
  const cpu = new CpuBusy();
  const timer = setInterval(() => {
    reaping ??= cpu
      .pass(services)
      .catch((error: unknown) => logger.warn({ err: error }, 'could not sample CPU'))
      .then(() => reap(services, { concurrency: 10, callTimeoutMs: config.stopGraceMs + 10_000 }))
      .catch((error: unknown) => logger.error({ err: error }, 'reaper pass failed'))
      .finally(() => (reaping = undefined));
  }, config.reaperIntervalMs);
  timer.unref();
  return {
    /** No more passes; resolves when the one running (if any) ends. */
    stop: async () => {
      clearInterval(timer);
      await reaping;
    },
  };
}

/**
 * The queue's dispatcher on one machine: a pass each time a session ends, and every few seconds; kicks while a pass
 * runs make one more pass after it, never two at once. (Waits past their bound are failed by the reaper.)
 */
export function queueDispatcher(services: LaunchDeps, config: LocalConfig, logger: Logger) {
  const queue = services.policy.queue;
  let running: Promise<void> | undefined;
  let again = false;
  let stopped = false;
  const pass = () =>
    dispatchQueue({ ...services, policy: { ...services.policy, queue: queue! } }, queuedStarter(services)).then((r) => {
      if (r.started || r.timedOut) logger.info(r, 'queue pass');
    });
  const kick = () => {
    if (!queue || stopped) return;
    if (running) {
      again = true;
      return;
    }
    running = (async () => {
      do {
        again = false;
        await pass().catch((error: unknown) => logger.error({ err: error }, 'queue pass failed'));
      } while (again && !stopped);
    })().finally(() => (running = undefined));
  };
  // Room is made by sessions' ends (each kicks a pass); the timer is for room made otherwise (a pool's instance gone),
  // and seldom: with no room, each pass takes the head out and puts it back.
  const timer = setInterval(kick, Math.max(config.reaperIntervalMs, 5000));
  timer.unref();
  return {
    kick,
    /** No more passes; resolves when the one running (if any) ends. */
    stop: async () => {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}

/** Shutdown refuses new API requests (503) and waits for those in flight before the store closes. */
export function requestGate() {
  let closing = false;
  const requests = new Set<Promise<void>>();
  const gate: MiddlewareHandler = async (_c, next) => {
    if (closing) throw new ShuttingDownError();
    const handled = next();
    requests.add(handled);
    try {
      await handled;
    } finally {
      requests.delete(handled);
    }
  };
  return {
    gate,
    close: () => {
      closing = true;
    },
    /** Waits for the requests in flight, for `withinMs` at most. */
    drain: async (withinMs: number) => {
      const deadline = new Promise<void>((r) => setTimeout(r, withinMs).unref());
      while (requests.size) await Promise.race([Promise.allSettled([...requests]), deadline]).then(() => undefined);
    },
  };
}
