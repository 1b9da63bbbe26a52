import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { createProxyServer } from 'http-proxy-3';
import { admitToken } from '../../shared/domain/authorization';
import type { ErrorCode } from '../../shared/domain/error-codes';
import { isStarting, type Session } from '../../shared/domain/session';
import type { Clock } from '../../shared/ports/clock';
import type { Logger } from '../../shared/ports/logger';
import type { SessionStore } from '../../shared/ports/session-store';
import type { SessionChanges } from '../../shared/ports/session-changes';
import type { SessionEventLog } from '../../shared/ports/session-events';
import type { SessionLogs } from '../../shared/ports/session-logs';
import type { AppCatalog } from '../../shared/services/catalog';
import { sessionOrigin, type UrlSettings } from '../../shared/domain/urls';
import { crossPageRefusal, isNavigation, isolationHeaders, presentedToken, scrubForApp, tokenCookie } from './access';
import { ActivityTracker } from './activity';
import { MissCounter } from './miss-counter';
import { EVENTS_PATH, sendEndedPage, sendEventStream, sendFailurePage, sendHoldingPage } from './holding';
import { refuseUpgrade, sendProblem } from './respond';
import { parseHostRoute, parseRoute, type Route } from './routes';
import { isGone, isReachable, SessionLookup } from './session-lookup';
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
  /** The router's public URL and, with a session domain, each session's own host. */
  urls: UrlSettings;
  /** Unknown sessions and wrong tokens a minute, per client address, before it gets 429 (default 120). */
  missLimit?: number;
  /** The client's address (default: the socket's; behind a load balancer, what it forwarded). */
  clientAddress?: (req: IncomingMessage) => string;
  /** Word of session changes where this process sees every write (the local server): wakes waiters, clears the lookup cache. */
  changes?: SessionChanges | undefined;
  /** Holding pages for browsers sent to a starting session (its event log; its output, for a failed start's page). */
  holding?: { events: SessionEventLog; logs?: SessionLogs | undefined; keepaliveMs: number } | undefined;
}

/** Behind an ALB: the address it appended last to X-Forwarded-For (earlier entries are the client's to forge). */
export function forwardedClientAddress(req: IncomingMessage): string {
  const forwarded = req.headers['x-forwarded-for'];
  const last = (Array.isArray(forwarded) ? forwarded.join(',') : (forwarded ?? ''))
    .split(',')
    .map((a) => a.trim())
    .filter(Boolean)
    .at(-1);
  return last ?? req.socket.remoteAddress ?? 'unknown';
}

export interface SessionRouter {
  /** Serves a router route and returns true; returns false for anything else (the API's). */
  handleRequest(req: IncomingMessage, res: ServerResponse): boolean;
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean;
  /** Closes every proxied WebSocket with 1001 and stops the router's timers. */
  shutdown(): Promise<void>;
}

class Refusal {
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    readonly detail: string,
  ) {}
}

type SessionRoute = Extract<Route, { sessionId: string }>;

/**
 * The session router: maps a session id to its app's endpoint, checks the session's token,
 * holds early arrivals until READY, proxies HTTP and WebSocket (http-proxy-3), and counts activity.
 */
export function createRouter(deps: RouterDeps): SessionRouter {
  const lookup = new SessionLookup(deps.store, deps.clock, deps.lookupCacheMs, deps.changes);
  const proxy = createProxyServer({ xfwd: true });
  // Errors the per-call callbacks do not see (a client socket failing mid-stream) end up here.
  proxy.on('error', (error, _req, target) => {
    deps.logger.debug({ err: (error as Error).message }, 'proxied connection error');
    if ('destroy' in target && typeof target.destroy === 'function') target.destroy();
  });
  const sockets = new Map<string, Set<WsConnection>>();
  const misses = new MissCounter(deps.missLimit ?? 120, () => deps.clock.now());
  const activeSessions = function* () {
    for (const [id, conns] of sockets) if ([...conns].some((c) => c.active)) yield id;
  };
  const activity = new ActivityTracker(deps.store, deps.clock, deps.logger, deps.activityIntervalMs, activeSessions);

  const frameAncestorsOf = new WeakMap<IncomingMessage, string>();
  proxy.on('proxyRes', (proxyRes, req) => isolationHeaders(proxyRes.headers, frameAncestorsOf.get(req) ?? "'self'"));
  const scheme = new URL(deps.urls.publicUrl).protocol;
  /** The origin the browser sent this request to. */
  const originOf = (req: IncomingMessage) => `${scheme}//${(req.headers.host ?? '').toLowerCase()}`;
  const routeOf = (req: IncomingMessage) =>
    parseHostRoute(req.headers.host, deps.urls.sessionDomain, req.url ?? '/') ?? parseRoute(req.url ?? '/');

  /** The session a route names, if the request may reach it (its token, the page that asks), not yet waiting for it. */
  async function admit(route: SessionRoute, req: IncomingMessage, upgrade: boolean) {
    const address = deps.clientAddress?.(req) ?? req.socket.remoteAddress ?? 'unknown';
    if (misses.over(address))
      throw new Refusal(
        429,
        'request.rate_limited',
        'Too many requests for unknown sessions or with wrong tokens: try again in a minute.',
      );
    if (!route.token) {
      const why = crossPageRefusal(req, {
        scope: route.scope,
        hostOnly: !!route.hostOnly,
        origin: originOf(req),
        upgrade,
      });
      if (why) throw new Refusal(403, 'session.cross_origin', `Refused: ${why}.`);
    }
    const session = await lookup.get(route.sessionId);
    if (!session) {
      misses.add(address);
      throw new Refusal(404, 'session.not_found', 'No such session.');
    }
    // The owner's token, or a grantee's own (an active share's).
    const token = presentedToken(req, route.token);
    const via = token ? admitToken(session, token, 'use', deps.clock.now()) : undefined;
    if (!token || !via) {
      misses.add(address);
      throw new Refusal(403, 'session.forbidden', 'A valid token for this session is required.');
    }
    return { session, token, via };
  }

  /** The admitted session once it can be reached: waits while it is starting. */
  async function settle(admitted: Session, aborted: () => boolean) {
    let session: Session | undefined = admitted;
    const waited = isStarting(session.status);
    if (waited) session = await lookup.waitUntilReady(session, aborted);
    if (waited && session?.status === 'FAILED')
      throw new Refusal(503, 'session.not_ready', `The session did not start: ${session.statusReason ?? 'failed'}.`);
    if (isGone(session)) throw new Refusal(404, 'session.not_found', 'The session has stopped.');
    if (!isReachable(session))
      throw new Refusal(503, 'session.not_ready', 'The session did not become ready within its launch timeout.');
    const stripPrefix = deps.apps.get(session.app)?.stripPrefix ?? true;
    return { session, endpoint: session.runtime.endpoint, stripPrefix };
  }

  /** Points the request at the app: its path, no token in query or cookie, the prefix it was under. */
  function rewrite(req: IncomingMessage, route: SessionRoute, stripPrefix: boolean): void {
    const prefix = route.scope.replace(/\/$/, '');
    req.url = route.kind === 'app' && !stripPrefix ? `${prefix}${route.upstream}` : route.upstream;
    scrubForApp(req, { scope: route.scope, origin: originOf(req) });
    if (route.kind !== 'proxy') req.headers['x-forwarded-prefix'] = prefix;
  }

  async function serveHttp(route: Route, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const instance = (req.url ?? '/').split('?')[0]!;
    if (route.kind === 'bad') return sendProblem(res, 400, 'request.invalid', route.detail, instance);
    if (route.kind === 'add-slash') {
      res.writeHead(301, { location: route.location }).end();
      return;
    }
    const home = route.kind === 'app' && !route.hostOnly ? sessionOrigin(deps.urls, route.sessionId) : undefined;
    if (home) {
      // A session domain is set: the shared origin never serves a session's pages or holds its cookie.
      const q = (req.url ?? '').indexOf('?');
      res
        .writeHead(307, {
          location: `${home}${route.scope}${route.upstream.replace(/^\//, '').split('?')[0]}${q < 0 ? '' : (req.url ?? '').slice(q)}`,
          'cache-control': 'no-store',
        })
        .end();
      return;
    }
    try {
      const { session, token } = await admit(route, req, false);
      const navigation = isNavigation(req);
      if (route.token && route.kind !== 'proxy' && navigation) {
        // Move the token from the address bar into a cookie scoped to this session's path (at once,
        // even while it starts: what comes back with the cookie gets the holding page).
        const maxAge = (session.expiresAt - deps.clock.now()) / 1000;
        res
          .writeHead(302, {
            location: `${route.scope.replace(/\/$/, '')}${route.upstream}`,
            'set-cookie': tokenCookie(token, route.hostOnly ? '/' : route.scope, {
              secure: deps.secureCookies,
              maxAgeSeconds: maxAge,
            }),
            'cache-control': 'no-store',
          })
          .end();
        return;
      }
      const holding = route.kind !== 'proxy' && deps.holding;
      if (holding && route.upstream.split('?')[0] === EVENTS_PATH && req.method === 'GET')
        return sendEventStream(
          req,
          res,
          { events: holding.events, urls: deps.urls, keepaliveMs: holding.keepaliveMs },
          session,
        );
      if (holding && navigation && isStarting(session.status)) return sendHoldingPage(res, session, route.scope);
      if (holding && navigation && session.status === 'FAILED') return sendFailurePage(res, session, holding.logs);
      // A person opening a session that has ended gets a page with a way back, not problem+json (#33).
      if (navigation && isGone(session)) return sendEndedPage(res, session, new URL('/', deps.urls.publicUrl).href);
      const target = await settle(session, () => res.destroyed);
      activity.touch(route.sessionId);
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
      const admitted = await admit(route, req, true);
      const target = await settle(admitted.session, () => socket.destroyed);
      rewrite(req, route, target.stripPrefix);
      const conn = new WsConnection(route.sessionId, socket, admitted.token);
      const set = sockets.get(route.sessionId) ?? new Set<WsConnection>();
      sockets.set(route.sessionId, set);
      set.add(conn);
      activity.touch(route.sessionId);
      void conn.closed.then(() => {
        deps.logger.debug({ sessionId: route.sessionId, bytesFromApp: conn.bytesFromApp }, 'websocket closed');
        set.delete(conn);
        if (set.size === 0) sockets.delete(route.sessionId);
      });
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

  // A stopped session's open sockets are closed within about one lookup period, and so are those
  // a revoked (or expired) share admitted.
  const sweep = setInterval(
    () => {
      for (const [id, conns] of sockets) {
        void lookup.get(id, true).then(
          (session) => {
            if (isGone(session)) for (const conn of conns) void conn.close(1001, 'session stopped');
            else
              for (const conn of conns)
                if (session && !admitToken(session, conn.token, 'use', deps.clock.now()))
                  void conn.close(1008, 'access revoked');
          },
          () => undefined,
        );
      }
    },
    Math.max(250, deps.lookupCacheMs),
  );
  sweep.unref();

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
      clearInterval(sweep);
      activity.stop();
      const all = [...sockets.values()].flatMap((set) => [...set]);
      await Promise.all(all.map((conn) => conn.close(1001, 'router shutting down')));
      proxy.close?.();
    },
  };
}
