import { isFinal, isStarting, STATUS_REASONS, statusReason, type Session } from '../domain/session';
import { transition } from '../domain/transitions';
import { jobEnd } from '../domain/jobs';
import type { RuntimeEvent } from '../ports/runtime';
import type { ServiceDeps } from './deps';
import { reportLaunchPhases } from './session-events';
import { applyUntilSettled, type Decide } from './update';
import { handlePoolEvent } from './pools/pool-events';
import { POOL_FAILURES } from './deps';

function exitReason(code: number | null, signal: string | null): string {
  return signal ? `signal ${signal}` : `exit code ${code}`;
}

/** Why an instance ended on its own: out of memory says so by itself; anything else after the code of when it ended. */
function ownExit(
  code: typeof STATUS_REASONS.appExited | typeof STATUS_REASONS.exitedBeforeReady,
  event: Extract<RuntimeEvent, { type: 'exited' }>,
): string {
  if (event.reason?.startsWith(STATUS_REASONS.oom)) return event.reason;
  return statusReason(code, event.reason ?? exitReason(event.code, event.signal));
}

/** The next record for what the runtime saw, or undefined if it changes nothing. */
export function decideOnEvent(event: RuntimeEvent, now: number): Decide {
  return (s: Session) => {
    // An event of an older instance of this session, or an older event of this one, changes nothing.
    if (s.runtime && s.runtime.runtimeId !== event.runtimeId) return undefined;
    // (Equal is allowed: one event may take two writes, PENDING → STARTING → READY.)
    if (event.version !== undefined && s.runtime?.eventVersion !== undefined && event.version < s.runtime.eventVersion)
      return undefined;
    const runtime = {
      kind: s.runtime?.kind ?? 'unknown',
      ...s.runtime,
      runtimeId: event.runtimeId,
      ...(event.version !== undefined ? { eventVersion: event.version } : {}),
    };
    switch (event.type) {
      case 'ready':
        if (s.status === 'PENDING')
          return transition(s, 'STARTING', { runtime: { ...runtime, endpoint: event.endpoint } }, now);
        if (s.status === 'STARTING')
          return transition(s, 'READY', { runtime: { ...runtime, endpoint: event.endpoint } }, now);
        return undefined;
      case 'failed':
        if (isStarting(s.status)) return transition(s, 'FAILED', { statusReason: event.reason, runtime }, now);
        return undefined;
      case 'exited':
        if (s.kind === 'job') return jobEnd(s, { ...event, detail: event.reason }, now);
        if (isFinal(s.status)) return undefined;
        if (s.status === 'STOPPING') return transition(s, 'STOPPED', { runtime }, now);
        if (s.status === 'READY')
          return transition(s, 'STOPPED', { statusReason: ownExit(STATUS_REASONS.appExited, event), runtime }, now);
        return transition(
          s,
          'FAILED',
          { statusReason: ownExit(STATUS_REASONS.exitedBeforeReady, event), runtime },
          now,
        );
    }
  };
}

/** Applies what a runtime reported (local process events; on AWS, task-events does the same). */
export async function handleRuntimeEvent(deps: ServiceDeps, event: RuntimeEvent): Promise<Session | undefined> {
  const current = await deps.store.get(event.sessionId);
  // No session has this id: a warm pool's instance (whose id is the session it may become).
  if (!current && deps.pools)
    return handlePoolEvent(
      { ...deps, pools: deps.pools },
      event,
      (session) => applyEvent(deps, event, session),
      deps.pools.failures ?? POOL_FAILURES,
    );
  return applyEvent(deps, event, current);
}

async function applyEvent(
  deps: ServiceDeps,
  event: RuntimeEvent,
  current: Session | undefined,
): Promise<Session | undefined> {
  const next = await applyUntilSettled(deps, current, decideOnEvent(event, deps.clock.now()));
  if (next && next.status !== current?.status) {
    deps.logger.info(
      { sessionId: event.sessionId, event: event.type, status: next.status, statusReason: next.statusReason },
      'session status',
    );
    if (next.status === 'READY' && next.readyAt !== undefined) {
      deps.metrics.launchToReady(next.readyAt - next.createdAt, next.app);
      await reportLaunchPhases(deps, next);
    }
    if (next.status === 'FAILED') deps.metrics.sessionFailed(failureCode(next.statusReason), next.app);
  }
  return next;
}

/** A failure reason's code, for a metric dimension: "exited-before-ready: exit code 3" → "exited-before-ready". */
function failureCode(reason: string | undefined): string {
  return (reason ?? 'unknown').split(':')[0]!.trim().replace(/\s+/g, '-').slice(0, 64) || 'unknown';
}
