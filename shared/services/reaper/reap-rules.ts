import { DEFAULT_WARN_BEFORE_MS, type AppSpec } from '../../domain/app';
import { idleTimeoutOf } from '../../domain/chosen-limits';
import { currentWarnings, quietSince, type Warning } from '../../domain/transitions';
import { isStarting, STATUS_REASONS, type Session } from '../../domain/session';

/**
 * What the reaper does about one live session:
 *
 *   STOPPING ─────────────────────────────▶ settle-stop (re-issue the stop; STOPPED once gone)
 *   PENDING/STARTING past launchDeadline ─▶ fail-stuck  (FAILED launch-timeout, stop the instance)
 *   no instance listed for it ────────────▶ check-dead  (inspect: gone → STOPPED/FAILED)
 *   READY within warnBefore of expiresAt ─▶ warn expiry (once per expiry: a renew moves it)
 *   READY past expiresAt, warned ─────────▶ stop expired
 *   READY, quiet for idleTimeout − warnBefore ▶ warn idle (once per quiet period)
 *   READY, quiet for idleTimeout, warned ─▶ stop idle   (open sockets keep lastActivityAt fresh; never a job)
 *
 * A stop is never in the pass that warned: a session past its time with no warning (the reaper was
 * away) is warned, and stopped one pass later, so its user always has a pass to react in.
 * warnBefore is at most half the idle timeout (or the lifetime), so a warning never comes at once.
 */
export type ReapAction =
  | { kind: 'none' }
  | { kind: 'settle-stop' }
  | { kind: 'fail-stuck' }
  | { kind: 'check-dead' }
  | { kind: 'warn'; warning: Warning }
  | { kind: 'stop'; reason: typeof STATUS_REASONS.idle | typeof STATUS_REASONS.expired };

export function reapAction(
  session: Session,
  app: AppSpec | undefined,
  now: number,
  instanceListed: boolean,
): ReapAction {
  if (session.status === 'STOPPING') return { kind: 'settle-stop' };
  if (isStarting(session.status) && now > session.launchDeadline) return { kind: 'fail-stuck' };
  if (session.runtime && !instanceListed) return { kind: 'check-dead' };
  if (session.status !== 'READY') return { kind: 'none' };
  const warnBefore = app?.warnBeforeMs ?? DEFAULT_WARN_BEFORE_MS;
  // A warning counts while it still holds (the API's and the banner's notion too): a renew or a use ends it.
  const held = currentWarnings(session);
  const expiryWarned = held?.expiry !== undefined;
  if (now > session.expiresAt)
    return expiryWarned ? { kind: 'stop', reason: STATUS_REASONS.expired } : { kind: 'warn', warning: 'expiry' };
  if (!expiryWarned && now > session.expiresAt - Math.min(warnBefore, (session.expiresAt - session.createdAt) / 2))
    return { kind: 'warn', warning: 'expiry' };
  // A job runs until its command ends: its limit is its lifetime, never idleness.
  if (session.kind === 'job') return { kind: 'none' };
  const idleTimeoutMs = idleTimeoutOf(session, app);
  const since = quietSince(session);
  const idleWarned = held?.idle !== undefined;
  if (now - since > idleTimeoutMs)
    return idleWarned ? { kind: 'stop', reason: STATUS_REASONS.idle } : { kind: 'warn', warning: 'idle' };
  if (!idleWarned && now - since > idleTimeoutMs - Math.min(warnBefore, idleTimeoutMs / 2))
    return { kind: 'warn', warning: 'idle' };
  return { kind: 'none' };
}
