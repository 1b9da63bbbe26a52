import type { Principal } from '../../../shared/domain/principal';
import { launchTimings } from '../../../shared/domain/events';
import type { Session } from '../../../shared/domain/session';
import { shareFor } from '../../../shared/domain/shares';
import { sessionCredentials } from '../../../shared/services/credentials';
import { shareToken } from '../../../shared/services/shares';
import type { ApiDeps } from '../context';
import { sessionView, shareView } from '../views/session';

/**
 * The owner sees their session with its working URLs, credentials and shares; a grantee with
 * URLs that carry their own token (never the owner's, never the app's secret); an admin with none.
 */
export function ownerView(deps: ApiDeps, principal: Principal, session: Session) {
  if (session.owner !== principal.user) {
    const share = shareFor(session, principal, deps.clock.now());
    return share
      ? { ...sessionView(session, deps.urls, shareToken(deps, session.id, share.id)), sharedWithYou: true }
      : sessionView(session, deps.urls);
  }
  const { token, secret } = sessionCredentials(deps, session.id);
  return {
    ...sessionView(session, deps.urls, token),
    token,
    secret,
    ...(session.shares?.length ? { shares: session.shares.map(shareView) } : {}),
  };
}

/**
 * One session as GET /sessions/{id} shows it: the owner's view, with where its launch's time went (from its event log).
 */
export async function detailedView(deps: ApiDeps, principal: Principal, session: Session) {
  const timings = launchTimings(await deps.events.list(session.id));
  return { ...ownerView(deps, principal, session), timings };
}
