import { isFinal, STATUS_REASONS, statusReason, type Session } from '../../domain/session';
import { transition } from '../../domain/transitions';
import { jobEnd } from '../../domain/jobs';
import type { ServiceDeps } from '../deps';
import { applyUntilSettled } from '../update';
import { repairUsage } from './usage-repair';

/**
 * Ends the record of a live session whose runtime instance is gone: STOPPED if it had been READY
 * or was stopping, FAILED if it never got there. `noLaunchInFlight` says that a PENDING session
 * without an instance cannot still be starting (a server that just started).
 */
export async function reconcileSession(
  deps: ServiceDeps,
  session: Session,
  options: { noLaunchInFlight?: boolean } = {},
): Promise<Session | undefined> {
  // Waiting in the queue: nothing was started, nothing can be gone (its wait's bound is the dispatcher's).
  if (session.status === 'QUEUED') return session;
  let gone: string | undefined;
  let exit: { code?: number | null; signal?: string | null } | undefined;
  if (!session.runtime) {
    if (options.noLaunchInFlight || deps.clock.now() > session.launchDeadline)
      gone = statusReason(STATUS_REASONS.lost, 'the launch did not complete');
  } else {
    const seen = await deps.runtime.inspect(session.runtime.runtimeId, { startedAt: session.createdAt });
    if (seen.phase === 'stopped') gone = seen.exit?.reason ?? STATUS_REASONS.lost;
    exit = seen.exit;
  }
  if (!gone) return session;
  const reason = gone;
  return applyUntilSettled(deps, session, (s) => {
    if (isFinal(s.status)) return undefined;
    const now = deps.clock.now();
    // A job that ended while nobody watched: its exit code says how (none known: it failed, lost).
    if (s.kind === 'job' && s.runtime)
      return jobEnd(s, { code: exit?.code, signal: exit?.signal, detail: reason }, now);
    if (s.status === 'READY' || s.status === 'STOPPING')
      return transition(s, 'STOPPED', { statusReason: s.statusReason ?? reason }, now);
    return transition(s, 'FAILED', { statusReason: reason }, now);
  });
}

/** Reconciles every live session; returns how many records it ended. */
export async function reconcileAll(deps: ServiceDeps, options: { noLaunchInFlight?: boolean } = {}): Promise<number> {
  let ended = 0;
  const live: Session[] = [];
  for await (const session of deps.store.listLive()) {
    const after = await reconcileSession(deps, session, options);
    if (after && isFinal(after.status)) ended++;
    else live.push(after ?? session);
  }
  if (ended) deps.logger.info({ ended }, 'ended the records of sessions whose process is gone');
  // With no launch in flight the counters must equal what is live now: a crash between a reserve
  // and its record (or between an end and its release) is put right in this same pass (#11 m1).
  if (options.noLaunchInFlight) await repairUsage(deps, live, 0);
  return ended;
}
