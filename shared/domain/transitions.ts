import { IllegalTransitionError } from './errors';
import { isFinal, type Session, type SessionStatus } from './session';

/**
 * ```
 * PENDING ─runtime accepted─▶ STARTING ─app reachable─▶ READY
 *    └──── start failed / launch timeout ───▶ FAILED
 * PENDING ─no capacity─▶ QUEUED ─its turn─▶ PENDING; QUEUED ─canceled─▶ STOPPED, ─waited too long─▶ FAILED
 * any live state ─stop─▶ STOPPING ─runtime confirms─▶ STOPPED
 * any live state ─runtime already gone─▶ STOPPED (or FAILED before READY)
 * a job, any state but STOPPING ─its command exited─▶ COMPLETED (exit 0) or FAILED
 * ```
 * STOPPED, FAILED and COMPLETED are final.
 */
const LEGAL: Record<SessionStatus, readonly SessionStatus[]> = {
  QUEUED: ['PENDING', 'FAILED', 'STOPPED'],
  PENDING: ['QUEUED', 'STARTING', 'FAILED', 'STOPPING', 'STOPPED', 'COMPLETED'],
  STARTING: ['READY', 'FAILED', 'STOPPING', 'STOPPED', 'COMPLETED'],
  READY: ['STOPPING', 'STOPPED', 'FAILED', 'COMPLETED'],
  STOPPING: ['STOPPED'],
  STOPPED: [],
  FAILED: [],
  COMPLETED: [],
};

/** Records of final sessions are kept this long before DynamoDB TTL may delete them. */
const RETENTION_SECONDS = 7 * 24 * 3600;

/** Only a job completes, or fails once running (an interactive session that ends by itself is STOPPED). */
const JOBS_ONLY = (from: SessionStatus, to: SessionStatus) =>
  to === 'COMPLETED' || (from === 'READY' && to === 'FAILED');

export function canTransition(from: SessionStatus, to: SessionStatus, kind?: 'job'): boolean {
  return LEGAL[from].includes(to) && (kind === 'job' || !JOBS_ONLY(from, to));
}

/** Whether a session in `from` may be in `to` now or after later moves (the table's paths, whatever its kind). */
export function canReach(from: SessionStatus, to: SessionStatus): boolean {
  const seen = new Set<SessionStatus>([from]);
  for (const status of seen) {
    if (status === to) return true;
    for (const next of LEGAL[status]) seen.add(next);
  }
  return false;
}

export type TransitionPatch = Partial<
  Pick<
    Session,
    'statusReason' | 'runtime' | 'readyAt' | 'lastActivityAt' | 'expiresAt' | 'exitCode' | 'launchDeadline' | 'queue'
  >
>;

/**
 * The next record for a move to `to`, or IllegalTransitionError. Pure: the store decides, by a
 * conditional write on status and version, whether the move still applies.
 */
export function transition(session: Session, to: SessionStatus, patch: TransitionPatch, now: number): Session {
  if (!canTransition(session.status, to, session.kind)) throw new IllegalTransitionError(session.status, to);
  const next: Session = { ...session, ...patch, status: to, version: session.version + 1 };
  if (to === 'READY') {
    next.readyAt = now;
    next.lastActivityAt = Math.max(next.lastActivityAt ?? 0, now);
  }
  if (isFinal(to)) {
    next.stoppedAt = now;
    next.ttl = Math.floor(now / 1000) + RETENTION_SECONDS;
  }
  return next;
}

export type Warning = 'idle' | 'expiry';

/** When a READY session's quiet period began: what an idle stop counts from. */
export function quietSince(session: Session): number {
  return session.lastActivityAt ?? session.readyAt ?? session.createdAt;
}

/**
 * The warnings that still hold: the expiry one while the session keeps the expiry it was warned
 * of (a renew moves it), the idle one while the quiet period it was warned of goes on (any use ends
 * it). What the API shows and the portal's banner says; a stale warning is history, in the events.
 */
export function currentWarnings(session: Session): Session['warned'] {
  const warned = session.status === 'READY' ? session.warned : undefined;
  const held = {
    ...(warned?.expiry !== undefined && warned.expiry === session.expiresAt ? { expiry: warned.expiry } : {}),
    ...(warned?.idle !== undefined && warned.idle === quietSince(session) ? { idle: warned.idle } : {}),
  };
  return Object.keys(held).length ? held : undefined;
}

/** A READY session with a warning recorded: for its current quiet period, or for its current expiry. */
export function warn(session: Session, warning: Warning): Session {
  if (session.status !== 'READY') throw new IllegalTransitionError(session.status, `warned (${warning})`);
  const value = warning === 'idle' ? quietSince(session) : session.expiresAt;
  return { ...session, warned: { ...session.warned, [warning]: value }, version: session.version + 1 };
}

/**
 * A live session with a later expiry (skaha's renew): `maxLifetimeMs` from now, never past
 * `createdAt + ceilingMs`, never earlier than it already was.
 */
export function renew(session: Session, now: number, maxLifetimeMs: number, ceilingMs: number): Session {
  if (isFinal(session.status) || session.status === 'STOPPING')
    throw new IllegalTransitionError(session.status, 'renewed');
  const expiresAt = Math.max(session.expiresAt, Math.min(now + maxLifetimeMs, session.createdAt + ceilingMs));
  // Asking to keep a session is using it: its idle clock starts again too.
  return {
    ...session,
    expiresAt,
    lastActivityAt: Math.max(session.lastActivityAt ?? 0, now),
    version: session.version + 1,
  };
}
