import pLimit from 'p-limit';
import { isLive, isStarting, STATUS_REASONS, type Session } from '../../domain/session';
import { transition, warn } from '../../domain/transitions';
import type { ServiceDeps } from '../deps';
import pTimeout from 'p-timeout';
import { reconcileSession } from './reconcile';
import { reapAction } from './reap-rules';
import { finishStop, stopSession } from '../stop';
import { applyUntilSettled } from '../update';
import { repairUsage } from './usage-repair';
import { repairUsageRecords } from '../usage';
import { POOL_FAILURES } from '../deps';
import { prunePools } from '../pools/pool-keeper';

export interface ReapOptions {
  /** Runtime calls in flight at once. */
  concurrency: number;
  /** Stop starting new work after this long (a Lambda's remaining time). */
  budgetMs?: number;
  /** One session's (or orphan's) work is given up after this long, so one stuck call never stalls a pass. */
  callTimeoutMs?: number;
}

/** What one reaper pass did. */
export interface ReapSummary {
  live: number;
  /** Sessions ended, by reason: idle, expired, launch-timeout, dead, stop-settled. */
  reaped: Record<string, number>;
  orphansStopped: number;
  countersRepaired: number;
  /** What the runtime released that nobody used for long (ECS: registered task definitions). */
  tidied: number;
  /** Pool instances removed (past their ttl, of an older spec, lost, claimed by a session that took over). */
  poolsPruned: number;
  /** Usage records written for sessions that ended without one. */
  usageRepaired: number;
  errors: number;
  unfinished: number;
  ms: number;
}

/**
 * One reaper pass (every minute on AWS, a timer locally). Reads the live sessions from the sparse
 * live index (never a scan) and the runtime's instances once, then ends what nobody uses (idle,
 * expired), what never started, what died unnoticed, and instances no live session owns.
 * Idempotent and safe to run twice at once: every change is a conditional write, and a lost race
 * changes nothing.
 */
export async function reap(deps: ServiceDeps, options: ReapOptions): Promise<ReapSummary> {
  const started = Date.now();
  const summary: ReapSummary = {
    live: 0,
    reaped: {},
    orphansStopped: 0,
    countersRepaired: 0,
    tidied: 0,
    poolsPruned: 0,
    usageRepaired: 0,
    errors: 0,
    unfinished: 0,
    ms: 0,
  };
  const count = (reason: string) => (summary.reaped[reason] = (summary.reaped[reason] ?? 0) + 1);
  const outOfTime = () => options.budgetMs !== undefined && Date.now() - started > options.budgetMs;
  // Sessions of apps that labelled images describe are judged by those apps' timeouts.
  await deps.apps.refresh();
  const limit = pLimit(options.concurrency);
  const callTimeoutMs = options.callTimeoutMs ?? 60_000;

  const live: Session[] = [];
  for await (const s of deps.store.listLive()) live.push(s);
  summary.live = live.length;
  const instances = await deps.runtime.list();
  const listed = new Set(instances.map((i) => i.runtimeId));
  const bySession = new Map<string, string[]>();
  for (const i of instances) bySession.set(i.sessionId, [...(bySession.get(i.sessionId) ?? []), i.runtimeId]);

  const ended = new Set<string>();
  await Promise.all(
    live.map((session) =>
      limit(async () => {
        if (outOfTime()) return void summary.unfinished++;
        try {
          const reason = await pTimeout(
            reapOne(deps, session, listed.has(session.runtime?.runtimeId ?? ''), bySession.get(session.id) ?? []),
            {
              milliseconds: callTimeoutMs,
              message: `reaping a session took longer than ${callTimeoutMs} ms`,
            },
          );
          if (reason) {
            count(reason);
            ended.add(session.id);
          }
        } catch (error) {
          summary.errors++;
          deps.logger.error(
            { sessionId: session.id, err: (error as Error).message },
            'reaper could not handle a session',
          );
        }
      }),
    ),
  );

  // Pool instances are the pool's, never orphans (those pruned below are stopped by the pruning).
  const pooled = new Set(deps.pools ? (await deps.pools.store.list()).map((i) => i.id) : []);
  // Warm pools: what must go goes (ttl, older spec, lost), even when no keeper runs.
  if (deps.pools && !outOfTime()) {
    try {
      const { summary: pruned } = await pTimeout(
        prunePools(
          { ...deps, pools: deps.pools },
          { claimGraceMs: 60_000, checkRuntime: true, ...(deps.pools.failures ?? POOL_FAILURES) },
        ),
        { milliseconds: callTimeoutMs, message: `pruning the pools took longer than ${callTimeoutMs} ms` },
      );
      summary.poolsPruned = Object.values(pruned.removed).reduce((a, b) => a + b, 0);
    } catch (error) {
      summary.errors++;
      deps.logger.error({ err: (error as Error).message }, 'reaper could not prune the pools');
    }
  }

  // Instances no live session owns: a crash between RunTask and the record, a missed stop.
  const liveIds = new Set(live.map((s) => s.id));
  await Promise.all(
    instances
      .filter((i) => !liveIds.has(i.sessionId) && !pooled.has(i.sessionId))
      .map((instance) =>
        limit(async () => {
          if (outOfTime()) return void summary.unfinished++;
          try {
            await pTimeout(
              (async () => {
                const session = await deps.store.get(instance.sessionId); // the index lags; the table does not
                if (session && isLive(session.status)) return;
                if (deps.pools && (await deps.pools.store.get(instance.sessionId))) return;
                await deps.runtime.stop(instance.runtimeId, STATUS_REASONS.orphan);
                summary.orphansStopped++;
                deps.logger.warn(
                  { sessionId: instance.sessionId, runtimeId: instance.runtimeId },
                  'stopped an instance with no live session',
                );
              })(),
              { milliseconds: callTimeoutMs, message: `stopping an orphan took longer than ${callTimeoutMs} ms` },
            );
          } catch (error) {
            summary.errors++;
            deps.logger.error(
              { sessionId: instance.sessionId, err: (error as Error).message },
              'reaper could not stop an orphan',
            );
          }
        }),
      ),
  );

  // Usage is what is still live after this pass: what it ended has released its share already.
  if (!outOfTime())
    summary.countersRepaired = await repairUsage(
      deps,
      live.filter((s) => !ended.has(s.id)),
    );
  if (!outOfTime() && deps.runtime.tidy) {
    try {
      summary.tidied = (
        await pTimeout(deps.runtime.tidy(), {
          milliseconds: callTimeoutMs,
          message: `tidying the runtime took longer than ${callTimeoutMs} ms`,
        })
      ).removed;
    } catch (error) {
      summary.errors++;
      deps.logger.error({ err: (error as Error).message }, 'reaper could not tidy the runtime');
    }
  }
  // Usage records that a crash between a session's end and its record left unwritten.
  if (!outOfTime() && deps.usage) {
    try {
      summary.usageRepaired = await repairUsageRecords(deps);
    } catch (error) {
      summary.errors++;
      deps.logger.error({ err: (error as Error).message }, 'reaper could not repair usage records');
    }
  }
  summary.ms = Date.now() - started;
  for (const [reason, n] of Object.entries(summary.reaped)) deps.metrics.sessionsReaped(reason, n);
  deps.metrics.liveSessions(summary.live);
  deps.logger.info({ ...summary }, 'reaper pass');
  return summary;
}

/** Applies the reaper's rule to one session; returns why it ended it, if it did. */
async function reapOne(
  deps: ServiceDeps,
  session: Session,
  instanceListed: boolean,
  instancesOfSession: string[],
): Promise<string | undefined> {
  const action = reapAction(session, deps.apps.get(session.app), deps.clock.now(), instanceListed);
  switch (action.kind) {
    case 'none':
      return undefined;
    case 'warn': {
      // Only while the rule still says so of the record as it is now (activity may have come in between).
      const stillDue = (s: Session) => {
        const now = reapAction(s, deps.apps.get(s.app), deps.clock.now(), true);
        return now.kind === 'warn' && now.warning === action.warning;
      };
      const warned = await applyUntilSettled(deps, session, (s) => (stillDue(s) ? warn(s, action.warning) : undefined));
      if (warned && warned.warned?.[action.warning] !== session.warned?.[action.warning])
        deps.logger.info({ sessionId: session.id, warning: action.warning }, 'session warned');
      return undefined;
    }
    case 'stop': {
      const after = await stopSession(deps, session.id, action.reason);
      return after.statusReason === action.reason ? action.reason : undefined;
    }
    case 'settle-stop': {
      const after = session.runtime ? await finishStop(deps, session, session.statusReason ?? 'user') : undefined;
      const settled = after?.status === 'STOPPED' ? after : await reconcileSession(deps, session);
      return settled?.status === 'STOPPED' ? 'stop-settled' : undefined;
    }
    case 'fail-stuck': {
      const failed = await applyUntilSettled(deps, session, (s) =>
        isStarting(s.status)
          ? transition(s, 'FAILED', { statusReason: STATUS_REASONS.launchTimeout }, deps.clock.now())
          : undefined,
      );
      // Whatever was started for it goes too: its recorded instance, and any the runtime lists for it.
      const ids = new Set([...instancesOfSession, ...(session.runtime ? [session.runtime.runtimeId] : [])]);
      await Promise.all([...ids].map((id) => deps.runtime.stop(id, STATUS_REASONS.launchTimeout)));
      return failed?.status === 'FAILED' && failed.statusReason === STATUS_REASONS.launchTimeout
        ? STATUS_REASONS.launchTimeout
        : undefined;
    }
    case 'check-dead': {
      const after = await reconcileSession(deps, session);
      return after && !isLive(after.status) ? 'dead' : undefined;
    }
  }
}
