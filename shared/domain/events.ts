import type { Readiness } from './app';
import type { Session } from './session';

/**
 * The steps of a session's life, in the order a launch goes through them, then what can happen
 * to a running session, then its end. `progress` is the launch's estimated share done (0–100)
 * when the step happens; steps after READY keep 100.
 *
 *   requested ─▶ placed ─▶ network ─▶ pulling ─▶ pulled ─▶ started ─▶ probing ─▶ ready
 *   (ECS: every step; a local process: requested ─▶ started ─▶ probing ─▶ ready)
 *   ready ─▶ renewed | idle-warning | expiry-warning ─▶ stop-requested | reaped ─▶ stopping ─▶ stopped
 *   any step before ready ─▶ failed
 */
export const EVENT_PHASES = {
  /** No room to start it now: it waits its turn (its place in the message). */
  queued: 0,
  requested: 5,
  placed: 15,
  network: 35,
  pulling: 45,
  pulled: 75,
  started: 85,
  probing: 90,
  ready: 100,
  /** A pooled instance, ready before it was asked for, became this session. */
  claimed: 100,
  renewed: 100,
  'idle-warning': 100,
  'expiry-warning': 100,
  'stop-requested': 100,
  reaped: 100,
  stopping: 100,
  stopped: 100,
  failed: 100,
  /** A job's command exited 0. */
  completed: 100,
  /** A pool's own log (`pool#<app>`): its starts paused (by an admin, or after failures), and resumed. */
  paused: 100,
  resumed: 100,
  /** The owner gave someone access to the session, or took it back (or it ran out). */
  shared: 100,
  unshared: 100,
} as const;
export type EventPhase = keyof typeof EVENT_PHASES;

/** Phases after which a session has nothing more to say: a stream ends with them. */
const FINAL_PHASES: readonly EventPhase[] = ['ready', 'failed', 'stopped', 'completed'];
/** Phases that end the session (their events may use the room kept for them when the log is full). */
const END_PHASES: readonly EventPhase[] = ['stop-requested', 'reaped', 'stopping', 'stopped', 'failed', 'completed'];

export function isStreamEnd(phase: EventPhase): boolean {
  return FINAL_PHASES.includes(phase);
}

export function isEndPhase(phase: EventPhase): boolean {
  return END_PHASES.includes(phase);
}

/**
 * An event to record. `key` makes it idempotent: an event whose key the session's log already
 * holds is not written again (ECS delivers task events at least once, and out of order).
 */
export interface NewSessionEvent {
  key: string;
  at: number;
  phase: EventPhase;
  message: string;
}

/** A recorded event: `id` is its place in the session's log (1, 2, …), which only grows. */
export interface SessionEvent extends NewSessionEvent {
  id: number;
  progress: number;
}

/** An event whose key is its phase: for steps that happen once per session. */
export function once(phase: EventPhase, at: number, message: string): NewSessionEvent {
  return { key: phase, at, phase, message };
}

function reasonText(reason: string | undefined): string {
  return reason ? ` (${reason})` : '';
}

/** The event a session's move to its new status says, if any. */
function statusEvent(after: Session, now: number): NewSessionEvent | undefined {
  const reason = after.statusReason;
  const ended = after.stoppedAt ?? now;
  switch (after.status) {
    case 'READY':
      return once('ready', after.readyAt ?? now, after.kind === 'job' ? 'The job is running.' : 'The app is ready.');
    case 'STOPPING':
      if (reason === 'idle') return once('reaped', now, 'Stopping: nobody used it for its idle timeout.');
      if (reason === 'expired') return once('reaped', now, 'Stopping: it reached its expiry.');
      return once('stop-requested', now, `Stop requested${reasonText(reason)}.`);
    case 'STOPPED':
      return once('stopped', ended, `Stopped${reasonText(reason)}.`);
    case 'FAILED':
      return once(
        'failed',
        ended,
        after.kind === 'job' && after.exitCode !== undefined
          ? `The job failed${reasonText(reason)}.`
          : `The session did not start${reasonText(reason)}.`,
      );
    case 'COMPLETED':
      return once('completed', ended, `The job completed${reasonText(reason)}.`);
    default:
      return undefined;
  }
}

/** What a change of a session's record, written at `now`, says happened, as events (none for most writes). */
export function eventsOfTransition(before: Session, after: Session, now: number): NewSessionEvent[] {
  const events: NewSessionEvent[] = [];
  const moved = after.status !== before.status ? statusEvent(after, now) : undefined;
  if (moved) events.push(moved);
  if (after.warned?.idle !== undefined && after.warned.idle !== before.warned?.idle) {
    const since = new Date(after.warned.idle).toISOString();
    events.push({
      key: `idle-warning:${after.warned.idle}`,
      at: now,
      phase: 'idle-warning',
      message: `Unused since ${since}: it will be stopped as idle unless it is used.`,
    });
  }
  if (after.warned?.expiry !== undefined && after.warned.expiry !== before.warned?.expiry) {
    const at = new Date(after.warned.expiry).toISOString();
    events.push({
      key: `expiry-warning:${after.warned.expiry}`,
      at: now,
      phase: 'expiry-warning',
      message: `It expires at ${at}: renew it to keep it.`,
    });
  }
  if (after.expiresAt > before.expiresAt && after.status === before.status) {
    events.push({
      key: `renewed:${after.expiresAt}`,
      at: now,
      phase: 'renewed',
      message: `Renewed until ${new Date(after.expiresAt).toISOString()}.`,
    });
  }
  return events;
}

/**
 * Where a launch's time went (ms): each step's time since the step before it (`network`: the
 * network interface, after placement; `pulled`: the image pull; `ready`: the app's own start,
 * after probing began), and `total`, request to ready. Steps a runtime does not have are absent.
 */
export function launchTimings(events: readonly SessionEvent[]): Partial<Record<EventPhase | 'total', number>> {
  const steps = events
    .filter((e) => EVENT_PHASES[e.phase] < 100 || e.phase === 'ready' || e.phase === 'failed')
    .sort((a, b) => a.at - b.at);
  const timings: Partial<Record<EventPhase | 'total', number>> = {};
  for (let i = 1; i < steps.length; i++) timings[steps[i]!.phase] = Math.max(0, steps[i]!.at - steps[i - 1]!.at);
  const requested = steps.find((e) => e.phase === 'requested');
  const ready = steps.find((e) => e.phase === 'ready');
  if (requested && ready) timings.total = ready.at - requested.at;
  return timings;
}

/** Readiness is being checked, the app's own way. */
export function probingPhase(ready: Readiness, at: number): NewSessionEvent {
  const how =
    ready.kind === 'line'
      ? `for its ready line "${ready.line}"`
      : ready.kind === 'http'
        ? `for HTTP ${ready.path} to answer`
        : ready.kind === 'started'
          ? 'for its command to start'
          : 'for its port to accept';
  return once('probing', at, `Waiting ${how}.`);
}

/**
 * The steps a runtime reports once its instance runs: it started (in its own words), and readiness is being checked.
 */
export function startedPhases(started: string, ready: Readiness, at: number): NewSessionEvent[] {
  return [once('started', at, started), probingPhase(ready, at)];
}
