import type { Principal } from '../../../shared/domain/principal';
import { launchTimings } from '../../../shared/domain/events';
import { decide } from '../../../shared/domain/authorization';
import { isFinal, type Session } from '../../../shared/domain/session';
import { shareFor } from '../../../shared/domain/shares';
import { sessionCredentials } from '../../../shared/services/credentials';
import { withQueuePlace } from '../../../shared/services/queue';
import { shareToken } from '../../../shared/services/shares';
import type { ApiDeps } from '../context';
import { logText } from '../views/common';
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
export async function detailedView(deps: ApiDeps, principal: Principal, read: Session) {
  const { session, queue } = await withQueuePlace(deps, read);
  const timings = launchTimings(await deps.events.list(session.id));
  const output = await jobOutput(deps, principal, session);
  return {
    ...ownerView(deps, principal, session),
    timings,
    ...(output ? { output } : {}),
    ...(queue ? { queue } : {}),
  };
}

/** How many of an ended job's last lines its view carries, and in at most how many bytes. */
const OUTPUT_LINES = 20;
const OUTPUT_BYTES = 4096;

/** An ended job's last lines of output, for whoever may read its logs; its log is kept after the end. */
async function jobOutput(deps: ApiDeps, principal: Principal, session: Session): Promise<string[] | undefined> {
  if (session.kind !== 'job' || !isFinal(session.status)) return undefined;
  if (decide(principal, 'logs', session, deps.clock.now()).allow !== true) return undefined;
  const tail = await deps.logs.tail(session, { maxBytes: OUTPUT_BYTES }).catch((error: unknown) => {
    deps.logger.warn({ sessionId: session.id, err: (error as Error).message }, 'could not read the job output');
    return undefined;
  });
  return tail?.lines.slice(-OUTPUT_LINES).map(logText);
}
