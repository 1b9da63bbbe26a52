import pLimit from 'p-limit';
import { isLive, isStarting, STATUS_REASONS, type Session } from '../../domain/session';
import { transition, warn } from '../../domain/transitions';
import type { ManagedInstance } from '../../ports/runtime';
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
  /** Records of the days before the usage store kept day sums, added to them (a few hundred a pass). */
  usageSummed: number;
  errors: number;
  unfinished: number;
  ms: number;
}

/** One pass's shared state: its summary, its budget, its concurrency and per-call time limit. */
interface Pass {
  deps: ServiceDeps;
  summary: ReapSummary;
  outOfTime: () => boolean;
  limit: ReturnType<typeof pLimit>;
  callTimeoutMs: number;
}

/**
 * Runs one step of a pass within the call time limit; a failure is counted and logged (`what`),
 * never ends the pass. Undefined when it failed.
 */
async function guarded<T>(pass: Pass, what: string, work: () => Promise<T>, log: object = {}): Promise<T | undefined> {
  try {
    return await pTimeout(work(), {
      milliseconds: pass.callTimeoutMs,
      message: `${what} took longer than ${pass.callTimeoutMs} ms`,
    });
  } catch (error) {
    pass.summary.errors++;
    pass.deps.logger.error({ ...log, err: (error as Error).message }, `reaper could not finish ${what}`);
    return undefined;
  }
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
    usageSummed: 0,
    errors: 0,
    unfinished: 0,
    ms: 0,
  };
  const pass: Pass = {
    deps,
    summary,
    outOfTime: () => options.budgetMs !== undefined && Date.now() - started > options.budgetMs,
    limit: pLimit(options.concurrency),
    callTimeoutMs: options.callTimeoutMs ?? 60_000,
  };
  // Sessions of apps that labelled images describe are judged by those apps' timeouts.
  await deps.apps.refresh();
  const live: Session[] = [];
  for await (const s of deps.store.listLive()) live.push(s);
  summary.live = live.length;
  const instances = await deps.runtime.list();

  const ended = await reapSessions(pass, live, instances);
  // Pool instances are the pool's, never orphans (those pruned below are stopped by the pruning).
  const pooled = new Set(deps.pools ? (await deps.pools.store.list()).map((i) => i.id) : []);
  await prunePoolsOf(pass);
  await stopOrphans(pass, new Set(live.map((s) => s.id)), pooled, instances);
  // Usage is what is still live after this pass: what it ended has released its share already.
  if (!pass.outOfTime())
    summary.countersRepaired = await repairUsage(
      deps,
      live.filter((s) => !ended.has(s.id)),
    );
  const tidy = deps.runtime.tidy?.bind(deps.runtime);
  if (!pass.outOfTime() && tidy) summary.tidied = (await guarded(pass, 'tidying the runtime', tidy))?.removed ?? 0;
  // Usage records that a crash between a session's end and its record left unwritten.
  if (!pass.outOfTime() && deps.usage)
    summary.usageRepaired = (await guarded(pass, 'repairing usage records', () => repairUsageRecords(deps))) ?? 0;
  // Days from before the store kept day sums: added a few hundred records a pass until every day is whole.
  const backfill = deps.usage?.backfillSums?.bind(deps.usage);
  if (!pass.outOfTime() && backfill)
    summary.usageSummed = (await guarded(pass, 'adding old usage to its days', () => backfill(500)))?.added ?? 0;
  summary.ms = Date.now() - started;
  for (const [reason, n] of Object.entries(summary.reaped)) deps.metrics.sessionsReaped(reason, n);
  deps.metrics.liveSessions(summary.live);
  deps.logger.info({ ...summary }, 'reaper pass');
  return summary;
}

/** The reaper's rule applied to every live session; the ids of those it ended. */
async function reapSessions(pass: Pass, live: Session[], instances: ManagedInstance[]): Promise<Set<string>> {
  const { deps, summary } = pass;
  const listed = new Set(instances.map((i) => i.runtimeId));
  const bySession = new Map<string, string[]>();
  for (const i of instances) bySession.set(i.sessionId, [...(bySession.get(i.sessionId) ?? []), i.runtimeId]);
  const ended = new Set<string>();
  await Promise.all(
    live.map((session) =>
      pass.limit(async () => {
        if (pass.outOfTime()) return void summary.unfinished++;
        const listedNow = listed.has(session.runtime?.runtimeId ?? '');
        const work = () => reapOne(deps, session, listedNow, bySession.get(session.id) ?? []);
        const reason = await guarded(pass, 'reaping a session', work, { sessionId: session.id });
        if (reason) {
          summary.reaped[reason] = (summary.reaped[reason] ?? 0) + 1;
          ended.add(session.id);
        }
      }),
    ),
  );
  return ended;
}

/** Warm pools: what must go goes (ttl, older spec, lost), even when no keeper runs. */
async function prunePoolsOf(pass: Pass): Promise<void> {
  const pools = pass.deps.pools;
  if (!pools || pass.outOfTime()) return;
  const options = { claimGraceMs: 60_000, checkRuntime: true, ...(pools.failures ?? POOL_FAILURES) };
  const pruned = await guarded(pass, 'pruning the pools', () => prunePools({ ...pass.deps, pools }, options));
  if (pruned) pass.summary.poolsPruned = Object.values(pruned.summary.removed).reduce((a, b) => a + b, 0);
}

/** Instances no live session owns: a crash between RunTask and the record, a missed stop. */
async function stopOrphans(
  pass: Pass,
  liveIds: Set<string>,
  pooled: Set<string>,
  instances: ManagedInstance[],
): Promise<void> {
  const { deps, summary } = pass;
  const stopIfOrphan = async (instance: ManagedInstance) => {
    const session = await deps.store.get(instance.sessionId); // the index lags; the table does not
    if (session && isLive(session.status)) return;
    if (deps.pools && (await deps.pools.store.get(instance.sessionId))) return;
    await deps.runtime.stop(instance.runtimeId, STATUS_REASONS.orphan);
    summary.orphansStopped++;
    deps.logger.warn(
      { sessionId: instance.sessionId, runtimeId: instance.runtimeId },
      'stopped an instance with no live session',
    );
  };
  await Promise.all(
    instances
      .filter((i) => !liveIds.has(i.sessionId) && !pooled.has(i.sessionId))
      .map((instance) =>
        pass.limit(async () => {
          if (pass.outOfTime()) return void summary.unfinished++;
          await guarded(pass, 'stopping an orphan', () => stopIfOrphan(instance), { sessionId: instance.sessionId });
        }),
      ),
  );
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
          ? transition(
              s,
              'FAILED',
              { statusReason: s.status === 'QUEUED' ? STATUS_REASONS.queueTimeout : STATUS_REASONS.launchTimeout },
              deps.clock.now(),
            )
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
