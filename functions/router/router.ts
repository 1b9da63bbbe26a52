import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { createProxyServer } from 'http-proxy-3';
import { idleTimeoutOf } from '../../shared/domain/chosen-limits';
import { isStarting, type Session } from '../../shared/domain/session';
import type { Clock } from '../../shared/ports/clock';
import type { Logger } from '../../shared/ports/logger';
import type { SessionStore } from '../../shared/ports/session-store';
import type { SessionChanges } from '../../shared/ports/session-changes';
import type { SessionEventLog } from '../../shared/ports/session-events';
import type { SessionLogs } from '../../shared/ports/session-logs';
import type { AppCatalog } from '../../shared/services/catalog';
import { sessionOrigin, type UrlSettings } from '../../shared/domain/urls';
import { isNavigation, isolationHeaders, scrubForApp, tokenCookie } from './access';
import { strippedPrefix, underPrefix } from '../http/url-prefix';
import { type AdmissionDeps, admit, Refusal, type SessionRoute, settle } from './admission';
import { ActivityTracker } from './activity';
import { MissCounter } from './miss-counter';
import { BAR_PATH, sendBarPage } from './bar';
import { EVENTS_PATH, sendEndedPage, sendEventStream, sendFailurePage, sendHoldingPage } from './holding';
import { refuseUpgrade, sendProblem } from './respond';
import { parseHostRoute, parseRoute, type Route } from './routes';
import { OpenSockets } from './open-sockets';
import { isGone, SessionLookup } from './session-lookup';
import { WsConnection } from './ws-connection';
import { spliceUpgrade } from './ws-splice';

export interface RouterDeps {
  store: SessionStore;
  apps: AppCatalog;
  clock: Clock;
  logger: Logger;
  /** Mark the token cookie Secure (the router is served over https). */
  secureCookies: boolean;
  /** How long a looked-up session is reused; a stop takes effect within this. */
  lookupCacheMs: number;
  /** At most one lastActivityAt write per session per interval. */
  activityIntervalMs: number;
  /** An open socket counts as use only this long after its client last sent anything (default: always). */
  socketInputIdleMs?: number;
  /** The router's public URL and, with a session domain, each session's own host. */
  urls: UrlSettings;
  /** Unknown sessions and wrong tokens a minute, per client address, before it gets 429 (default 120). */
  missLimit?: number;
  /** The client's address (default: the socket's; behind a load balancer, what it forwarded). */
  clientAddress?: (req: IncomingMessage) => string;
  /**
   * Word of session changes where this process sees every write (the local server): wakes waiters, clears the lookup
   * cache.
   */
  changes?: SessionChanges | undefined;
  /** Holding pages for browsers sent to a starting session (its event log; its output, for a failed start's page). */
  holding?: { events: SessionEventLog; logs?: SessionLogs | undefined; keepaliveMs: number } | undefined;
}

/**
 * Behind `hops` proxies that each append to X-Forwarded-For (an ALB: 1; CloudFront then an ALB: 2): the address the
 * first of them saw, `hops` entries from the end (earlier entries are the client's to forge).
 */
export function forwardedClientAddress(req: IncomingMessage, hops = 1): string {
  const forwarded = req.headers['x-forwarded-for'];
  const entries = (Array.isArray(forwarded) ? forwarded.join(',') : (forwarded ?? ''))
    .split(',')
    .map((a) => a.trim())
    .filter(Boolean);
  return entries.at(-hops) ?? entries[0] ?? req.socket.remoteAddress ?? 'unknown';
}

export interface SessionRouter {
  /** Serves a router route and returns true; returns false for anything else (the API's). */
  handleRequest(req: IncomingMessage, res: ServerResponse): boolean;
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean;
  /** Closes every proxied WebSocket with 1001 and stops the router's timers. */
  shutdown(): Promise<void>;
}

/**
 * With a session domain, the shared origin never serves a session's pages or holds its cookie: to the session's own
 * host.
 */
function toSessionHost(res: ServerResponse, req: IncomingMessage, home: string, route: SessionRoute): void {
  const q = (req.url ?? '').indexOf('?');
  const path = route.upstream.replace(/^\//, '').split('?')[0];
  res
    .writeHead(307, {
      location: `${home}${route.scope}${path}${q < 0 ? '' : (req.url ?? '').slice(q)}`,
      'cache-control': 'no-store',
    })
    .end();
}

/**
 * Moves the token from the address bar into a cookie scoped to this session's path (at once, even
 * while it starts: what comes back with the cookie gets the holding page).
 */
function tokenToCookie(
  res: ServerResponse,
  route: SessionRoute,
  token: string,
  cookie: { secure: boolean; maxAgeSeconds: number; prefix: string },
) {
  const scope = route.hostOnly ? route.scope : underPrefix(cookie.prefix, route.scope);
  res
    .writeHead(302, {
      location: `${scope.replace(/\/$/, '')}${route.upstream}`,
      'set-cookie': tokenCookie(token, route.hostOnly ? '/' : scope, cookie),
      'cache-control': 'no-store',
    })
    .end();
}

/**
 * The session router: maps a session id to its app's endpoint, checks the session's token,
 * holds early arrivals until READY, proxies HTTP and WebSocket (http-proxy-3), and counts activity.
 */
// Over 60 lines: a factory whose closures (admission, pages, HTTP, WebSocket) share one lookup, proxy and socket set;
// each closure is short.
export function createRouter(deps: RouterDeps): SessionRouter {
  const lookup = new SessionLookup(deps.store, deps.clock, deps.lookupCacheMs, deps.changes);
  const proxy = createProxyServer({ xfwd: true });
  // Errors the per-call callbacks do not see (a client socket failing mid-stream) end up here.
  proxy.on('error', (error, _req, target) => {
    deps.logger.debug({ err: (error as Error).message }, 'proxied connection error');
    if ('destroy' in target && typeof target.destroy === 'function') target.destroy();
  });
  const sockets = new OpenSockets(lookup, deps.clock, deps.lookupCacheMs);
  const activity = new ActivityTracker(deps.store, deps.clock, deps.logger, deps.activityIntervalMs, () =>
    sockets.active(deps.socketInputIdleMs),
  );

  const frameAncestorsOf = new WeakMap<IncomingMessage, string>();
  proxy.on('proxyRes', (proxyRes, req) => isolationHeaders(proxyRes.headers, frameAncestorsOf.get(req) ?? "'self'"));
  const scheme = new URL(deps.urls.publicUrl).protocol;
  const admission: AdmissionDeps = {
    lookup,
    misses: new MissCounter(deps.missLimit ?? 120, () => deps.clock.now()),
    apps: deps.apps,
    clock: deps.clock,
    clientAddress: (req) => deps.clientAddress?.(req) ?? req.socket.remoteAddress ?? 'unknown',
    originOf: (req) => `${scheme}//${(req.headers.host ?? '').toLowerCase()}`,
  };
  const routeOf = (req: IncomingMessage) =>
    parseHostRoute(req.headers.host, deps.urls.sessionDomain, req.url ?? '/') ?? parseRoute(req.url ?? '/');

  /** Points the request at the app: its path, no token in query or cookie, the prefix it was under. */
  function rewrite(req: IncomingMessage, route: SessionRoute, stripPrefix: boolean): void {
    const prefix = route.scope.replace(/\/$/, '');
    // What the browser sees the app under (TRAME_URL_PREFIX too, when it came under it), for apps that build links.
    const seen = route.hostOnly ? prefix : underPrefix(strippedPrefix(req), prefix);
    req.url = route.kind === 'app' && !stripPrefix ? `${prefix}${route.upstream}` : route.upstream;
    scrubForApp(req, { scope: route.scope, origin: admission.originOf(req) });
    if (route.kind !== 'proxy') req.headers['x-forwarded-prefix'] = seen;
  }

  /**
   * A browser's page of an admitted session that is not (yet) the app: its live events, the holding
   * page while it starts, its failure, or the page of a session that has ended. True when one was sent.
   */
  /** The portal's address, as this request reached the router (under its prefix, if one was stripped). */
  const portalOf = (req: IncomingMessage) => new URL(underPrefix(strippedPrefix(req), '/'), deps.urls.publicUrl).href;

  async function sentPage(
    route: SessionRoute,
    req: IncomingMessage,
    res: ServerResponse,
    session: Session,
    via: string,
  ) {
    const navigation = isNavigation(req);
    const holding = route.kind !== 'proxy' && deps.holding;
    const prefix = route.hostOnly ? '' : strippedPrefix(req);
    const page = route.upstream.split('?')[0];
    if (
      route.kind !== 'proxy' &&
      route.kind !== 'api' &&
      navigation &&
      page === BAR_PATH &&
      !isGone(session) &&
      session.status !== 'FAILED'
    )
      sendBarPage(res, session, {
        scope: underPrefix(prefix, route.scope),
        portal: portalOf(req),
        owner: via === 'owner',
        now: deps.clock.now(),
      });
    else if (holding && route.upstream.split('?')[0] === EVENTS_PATH && req.method === 'GET') {
      const stream = { events: holding.events, urls: deps.urls, keepaliveMs: holding.keepaliveMs };
      await sendEventStream(req, res, stream, session);
    } else if (holding && navigation && isStarting(session.status))
      sendHoldingPage(res, session, underPrefix(prefix, route.scope));
    else if (holding && navigation && session.status === 'FAILED')
      await sendFailurePage(res, session, holding.logs, portalOf(req));
    // A person opening a session that has ended gets a page with a way back, not problem+json (#33).
    else if (navigation && isGone(session)) sendEndedPage(res, session, portalOf(req));
    else return false;
    return true;
  }

  async function serveHttp(route: Route, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const instance = (req.url ?? '/').split('?')[0]!;
    if (route.kind === 'bad') return sendProblem(res, 400, 'request.invalid', route.detail, instance);
    if (route.kind === 'add-slash') return void res.writeHead(301, { location: route.location }).end();
    const home = route.kind === 'app' && !route.hostOnly ? sessionOrigin(deps.urls, route.sessionId) : undefined;
    if (home) return toSessionHost(res, req, home, route);
    try {
      const { session, token, via } = await admit(admission, route, req, false);
      if (route.token && route.kind !== 'proxy' && isNavigation(req))
        return tokenToCookie(res, route, token, {
          secure: deps.secureCookies,
          maxAgeSeconds: (session.expiresAt - deps.clock.now()) / 1000,
          prefix: strippedPrefix(req),
        });
      if (await sentPage(route, req, res, session, via)) return;
      const target = await settle(admission, session, () => res.destroyed);
      activity.touch(route.sessionId, idleTimeoutOf(target.session, deps.apps.get(target.session.app)));
      rewrite(req, route, target.stripPrefix);
      const frameAncestors = deps.apps.get(target.session.app)?.frameAncestors;
      if (frameAncestors) frameAncestorsOf.set(req, frameAncestors);
      proxy.web(req, res, { target: `http://${target.endpoint}` }, (error) => {
        deps.logger.warn({ sessionId: route.sessionId, err: (error as Error).message }, 'proxy error');
        sendProblem(res, 502, 'session.unreachable', 'The session did not answer.', instance);
      });
    } catch (error) {
      if (!(error instanceof Refusal)) throw error;
      sendProblem(res, error.status, error.code, error.detail, instance);
    }
  }

  async function serveUpgrade(route: Route, req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const instance = (req.url ?? '/').split('?')[0]!;
    if (route.kind === 'bad' || route.kind === 'add-slash')
      return refuseUpgrade(socket, 400, 'request.invalid', 'Not a session route.', instance);
    try {
      const admitted = await admit(admission, route, req, true);
      const target = await settle(admission, admitted.session, () => socket.destroyed);
      rewrite(req, route, target.stripPrefix);
      const conn = new WsConnection(route.sessionId, socket, admitted.token);
      sockets.add(route.sessionId, conn, () =>
        deps.logger.debug({ sessionId: route.sessionId, bytesFromApp: conn.bytesFromApp }, 'websocket closed'),
      );
      activity.touch(route.sessionId, idleTimeoutOf(target.session, deps.apps.get(target.session.app)));
      spliceUpgrade(req, socket, head, target.endpoint, {
        upgraded: (backend, rest) => conn.attach(backend, rest),
        failed: (error) => {
          deps.logger.warn({ sessionId: route.sessionId, err: error.message }, 'websocket proxy error');
          refuseUpgrade(socket, 502, 'session.unreachable', 'The session did not answer.', instance);
        },
      });
    } catch (error) {
      if (!(error instanceof Refusal)) throw error;
      refuseUpgrade(socket, error.status, error.code, error.detail, instance);
    }
  }

  const fail = (what: string) => (error: unknown) => deps.logger.error({ err: error }, `router ${what} failed`);

  return {
    handleRequest(req, res) {
      const route = routeOf(req);
      if (!route) return false;
      serveHttp(route, req, res).catch((error: unknown) => {
        fail('request')(error);
        sendProblem(res, 500, 'internal', 'Something went wrong on our side.', '/');
      });
      return true;
    },
    handleUpgrade(req, socket, head) {
      const route = routeOf(req);
      if (!route) return false;
      socket.on('error', () => socket.destroy());
      serveUpgrade(route, req, socket, head).catch((error: unknown) => {
        fail('upgrade')(error);
        socket.destroy();
      });
      return true;
    },
    async shutdown() {
      activity.stop();
      await sockets.closeAll('router shutting down');
      proxy.close?.();
    },
  };
}
