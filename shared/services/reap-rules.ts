import { DEFAULT_IDLE_TIMEOUT_MS, type AppSpec } from '../domain/app';
import { isStarting, STATUS_REASONS, type Session } from '../domain/session';

/**
 * What the reaper does about one live session:
 *
 *   STOPPING ─────────────────────────────▶ settle-stop (re-issue the stop; STOPPED once gone)
 *   PENDING/STARTING past launchDeadline ─▶ fail-stuck  (FAILED launch-timeout, stop the instance)
 *   no instance listed for it ────────────▶ check-dead  (inspect: gone → STOPPED/FAILED)
 *   READY past expiresAt ─────────────────▶ stop expired
 *   READY, quiet for idleTimeout ─────────▶ stop idle   (open sockets keep lastActivityAt fresh)
 */
export type ReapAction =
  | { kind: 'none' }
  | { kind: 'settle-stop' }
  | { kind: 'fail-stuck' }
  | { kind: 'check-dead' }
  | { kind: 'stop'; reason: typeof STATUS_REASONS.idle | typeof STATUS_REASONS.expired };

export function reapAction(session: Session, app: AppSpec | undefined, now: number, instanceListed: boolean): ReapAction {
  if (session.status === 'STOPPING') return { kind: 'settle-stop' };
  if (isStarting(session.status) && now > session.launchDeadline) return { kind: 'fail-stuck' };
  if (session.runtime && !instanceListed) return { kind: 'check-dead' };
  if (session.status !== 'READY') return { kind: 'none' };
  if (now > session.expiresAt) return { kind: 'stop', reason: STATUS_REASONS.expired };
  const idleTimeoutMs = app?.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
  if (now - (session.lastActivityAt ?? session.readyAt ?? session.createdAt) > idleTimeoutMs) return { kind: 'stop', reason: STATUS_REASONS.idle };
  return { kind: 'none' };
}
