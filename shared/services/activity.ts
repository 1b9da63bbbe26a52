import { timingSafeEqual } from 'node:crypto';
import { DomainError, SessionNotFoundError } from '../domain/errors';
import { idleTimeoutOf } from '../domain/chosen-limits';
import { isSessionId } from '../domain/ids';
import { isLive, type Session } from '../domain/session';
import { sessionCredentials } from './credentials';
import type { LaunchDeps } from './deps';

/**
 * Reports closer together than this are taken, and not written again (a busy loop may call every second); a quarter
 * of the app's idle timeout where that is shorter, so a reporting app is never idle-stopped.
 */
const WRITE_GAP_MS = 15_000;

/**
 * The app itself says it is in use (JupyterHub's activity API: a busy kernel, a render loop with nobody watching):
 * `POST /sessions/{id}/activity` with its own secret (SESSION_SECRET in its environment). Anything that does not
 * prove to be that session's app is told the session does not exist. A live session's idle clock starts again (its
 * idle warning with it); one that is not running says so.
 */
export async function reportActivity(deps: LaunchDeps, id: string, secret: string | undefined): Promise<Session> {
  const session = isSessionId(id) && secret ? await deps.store.get(id) : undefined;
  if (!session || !sameSecret(sessionCredentials(deps, id).secret, secret!)) throw new SessionNotFoundError(id);
  if (!isLive(session.status) || session.status === 'STOPPING')
    throw new DomainError('session.conflict', `Session ${id} is ${session.status}: it is not running.`);
  const now = deps.clock.now();
  const idle = idleTimeoutOf(session, deps.apps.get(session.app));
  if (now - (session.lastActivityAt ?? 0) >= Math.min(WRITE_GAP_MS, idle / 4)) await deps.store.recordActivity(id, now);
  return session;
}

function sameSecret(expected: string, given: string): boolean {
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}
