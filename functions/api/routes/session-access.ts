import { SessionNotFoundError } from '../../../shared/domain/errors';
import { isSessionId } from '../../../shared/domain/ids';
import type { Principal } from '../../../shared/domain/principal';
import { launchTimings } from '../../../shared/domain/events';
import type { Session } from '../../../shared/domain/session';
import { sessionCredentials } from '../../../shared/services/credentials';
import type { ApiDeps } from '../context';
import { sessionView } from '../session-view';

/** A session the caller may see: their own, or any for an admin. Otherwise: not found. */
export async function visibleSession(deps: Pick<ApiDeps, 'store'>, principal: Principal, id: string): Promise<Session> {
  // A malformed id never reaches the store.
  const session = isSessionId(id) ? await deps.store.get(id) : undefined;
  if (!session || (session.owner !== principal.user && !principal.admin)) throw new SessionNotFoundError(id);
  return session;
}

/** The owner sees their session with its working URLs and credentials; an admin without them. */
export function ownerView(deps: ApiDeps, principal: Principal, session: Session) {
  if (session.owner !== principal.user) return sessionView(session, deps.urls);
  const { token, secret } = sessionCredentials(deps, session.id);
  return { ...sessionView(session, deps.urls, token), token, secret };
}

/** One session as GET /sessions/{id} shows it: the owner's view, with where its launch's time went (from its event log). */
export async function detailedView(deps: ApiDeps, principal: Principal, session: Session) {
  const timings = launchTimings(await deps.events.list(session.id));
  return { ...ownerView(deps, principal, session), timings };
}
