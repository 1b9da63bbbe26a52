import type { IncomingMessage } from 'node:http';
import { admitToken } from '../../shared/domain/authorization';
import type { ErrorCode } from '../../shared/domain/error-codes';
import { isStarting, type Session } from '../../shared/domain/session';
import type { Clock } from '../../shared/ports/clock';
import type { AppCatalog } from '../../shared/services/catalog';
import { crossPageRefusal, presentedToken } from './access';
import type { MissCounter } from './miss-counter';
import type { Route } from './routes';
import { isGone, isReachable, type SessionLookup } from './session-lookup';

export type SessionRoute = Extract<Route, { sessionId: string }>;

/** Why a request does not reach its session: the problem the router answers with. */
export class Refusal {
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    readonly detail: string,
  ) {}
}

export interface AdmissionDeps {
  lookup: SessionLookup;
  misses: MissCounter;
  apps: AppCatalog;
  clock: Clock;
  /** The client's address, whose misses are counted. */
  clientAddress: (req: IncomingMessage) => string;
  /** The origin the browser sent this request to. */
  originOf: (req: IncomingMessage) => string;
}

/**
 * The session a route names, if the request may reach it (its token, the page that asks), not yet
 * waiting for it. Misses (no such session, a wrong token) are counted per client address.
 */
export async function admit(deps: AdmissionDeps, route: SessionRoute, req: IncomingMessage, upgrade: boolean) {
  const address = deps.clientAddress(req);
  if (deps.misses.over(address))
    throw new Refusal(
      429,
      'request.rate_limited',
      'Too many requests for unknown sessions or with wrong tokens: try again in a minute.',
    );
  if (!route.token) {
    const why = crossPageRefusal(req, {
      scope: route.scope,
      hostOnly: !!route.hostOnly,
      origin: deps.originOf(req),
      upgrade,
    });
    if (why) throw new Refusal(403, 'session.cross_origin', `Refused: ${why}.`);
  }
  let session = await deps.lookup.get(route.sessionId);
  if (!session) {
    deps.misses.add(address);
    throw new Refusal(404, 'session.not_found', 'No such session.');
  }
  // The owner's token, or a grantee's own (an active share's).
  const token = presentedToken(req, route.token);
  let via = token ? admitToken(session, token, 'use', deps.clock.now()) : undefined;
  // A token the cached record does not know may be a share made since (on AWS the API writes in another process,
  // unseen here): one fresh read before refusing, so a share opens at once.
  if (token && !via) {
    session = (await deps.lookup.get(route.sessionId, true)) ?? session;
    via = admitToken(session, token, 'use', deps.clock.now());
  }
  if (!token || !via) {
    deps.misses.add(address);
    throw new Refusal(403, 'session.forbidden', 'A valid token for this session is required.');
  }
  return { session, token, via };
}

/** The admitted session once it can be reached: waits while it is starting. */
export async function settle(deps: AdmissionDeps, admitted: Session, aborted: () => boolean) {
  // A job has no web address: it runs its command, and says what it did through its status and log.
  if (admitted.kind === 'job')
    throw new Refusal(404, 'session.not_found', 'A job has no web address: see its status and logs through the API.');
  let session: Session | undefined = admitted;
  const waited = isStarting(session.status);
  if (waited) session = await deps.lookup.waitUntilReady(session, aborted);
  if (waited && session?.status === 'FAILED')
    throw new Refusal(503, 'session.not_ready', `The session did not start: ${session.statusReason ?? 'failed'}.`);
  if (isGone(session)) throw new Refusal(404, 'session.not_found', 'The session has stopped.');
  if (!isReachable(session))
    throw new Refusal(503, 'session.not_ready', 'The session did not become ready within its launch timeout.');
  const stripPrefix = deps.apps.get(session.app)?.stripPrefix ?? true;
  return { session, endpoint: session.runtime.endpoint, stripPrefix };
}
