import { createServer } from 'node:http';
import { Hono } from 'hono';
import { problemResponse } from '../api/problem';
import { problemOf } from '../http/problem';
import { staticPages } from '../http/www';
import { getRequestListener } from '@hono/node-server';
import { anyOf, personalTokens, verifiedJwt } from '../api/auth/authenticators';
import { DynamoDbApiTokens } from '../../shared/adapters/dynamodb/dynamodb-api-tokens';
import { routerPortal } from './router-portal';
import { PORTAL_COOKIE } from '../portal/cookie';
import { FILES_ROUTE, relayFiles } from './files-relay';
import { DynamoDbSignOuts } from '../../shared/adapters/dynamodb/dynamodb-sign-outs';
import { createEventsApp } from '../api/events-app';
import { createDocumentClient } from '../../shared/adapters/dynamodb/dynamodb-client';
import { DynamoDbSessionEventLog } from '../../shared/adapters/dynamodb/dynamodb-event-log';
import { DynamoDbSessionStore } from '../../shared/adapters/dynamodb/dynamodb-session-store';
import { loadAppsFile } from '../../shared/config/apps-file';
import { loadRouterConfig } from '../../shared/config/env';
import { ConfigError } from '../../shared/domain/errors';
import { systemClock } from '../../shared/ports/clock';
import { AppCatalog } from '../../shared/services/catalog';
import { createLogger } from '../../shared/adapters/in-process/pino-logger';
import { withoutUrlPrefix } from '../http/url-prefix';
import { answerClientError, refuseUpgrade, refuseDotSegments, refuseWithoutHost, sendProblem } from '../router/respond';
import { createRouter, forwardedClientAddress } from '../router/router';

/**
 * What the router service serves beside the sessions: the portal, where configured, then the web client's pages
 * (SESSIONPLANE_WWW, baked into its image: `/<app>.html` for each app with `client: www`, whose launcher POST the
 * portal relays to the API as the signed-in user).
 */
function routerPages(www: string, apps: AppCatalog, portal: Hono | undefined): Hono | undefined {
  if (www === 'none' && !apps.list().some((a) => a.webClient)) return portal;
  const root = new Hono();
  if (portal) root.route('/', portal);
  root.route('/', staticPages(www, apps.list()));
  root.notFound((c) => problemResponse(c, problemOf('route.not_found', 'Not a session, portal or page route.')));
  return root;
}

/** A request that carries the portal's cookie (its browser), by name: the portal checks it. */
const PORTAL_COOKIE_SENT = new RegExp(`(?:^|;\\s*)${PORTAL_COOKIE}=`);

/** GET /sessions/{id}/events, which this service streams for API callers. */
const EVENTS_ROUTE = /^\/sessions\/[^/?]+\/events(?:\?|$)/;

// The session router on its own: the Fargate service behind the ALB.
try {
  const config = loadRouterConfig();
  const logger = createLogger(config.logLevel);
  const client = createDocumentClient({ endpoint: config.dynamodbEndpoint, region: config.region });
  const store = new DynamoDbSessionStore(client, config.tableName, (why, key) =>
    logger.warn({ key, why }, 'unreadable session record skipped'),
  );
  // The session's event log, polled (task-events writes it, in another process): for the holding
  // page, and for API callers' streams (API Gateway cannot stream), with the API's issuer.
  const events = new DynamoDbSessionEventLog(client, config.tableName);
  const urls = { publicUrl: config.publicUrl, sessionDomain: config.sessionDomain, urlPrefix: config.trameUrlPrefix };
  const oidc = config.oidc;
  // The portal, where configured: its pages, and the API requests of its script, relayed as the user.
  const portal = routerPortal(config, logger, new DynamoDbSignOuts(client, config.tableName));
  const apps = new AppCatalog(loadAppsFile(config.appsFile));
  const pages = routerPages(config.www, apps, portal?.app);
  const servePages = pages && getRequestListener(pages.fetch);
  const streamEvents = oidc
    ? getRequestListener(
        createEventsApp({
          store,
          events,
          urls,
          eventStream: { keepaliveMs: config.eventKeepaliveMs },
          clock: systemClock,
          authenticate: anyOf(
            personalTokens({ apiTokens: new DynamoDbApiTokens(client, config.tableName), clock: systemClock }),
            verifiedJwt({ ...oidc, onError: (error) => logger.warn({ err: error.message }, 'OIDC discovery failed') }),
            ...(portal ? [portal.authenticator] : []),
          ),
          logger,
        }).fetch,
      )
    : undefined;
  const router = createRouter({
    store,
    holding: { events, keepaliveMs: config.eventKeepaliveMs },
    apps,
    clock: systemClock,
    logger,
    secureCookies: config.publicUrl.startsWith('https:'),
    urls,
    clientAddress: (req) => forwardedClientAddress(req, config.proxyHops),
    lookupCacheMs: config.lookupCacheMs,
    activityIntervalMs: config.activityIntervalMs,
    socketInputIdleMs: config.socketInputIdleMs,
  });
  let draining = false;
  const server = createServer({ requireHostHeader: false }, (req, res) => {
    if (refuseWithoutHost(req, res) || refuseDotSegments(req, res)) return;
    withoutUrlPrefix(req, config.trameUrlPrefix);
    if (req.url === '/healthz') {
      res
        .writeHead(draining ? 503 : 200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ status: draining ? 'draining' : 'ok' }));
      return;
    }
    if (router.handleRequest(req, res)) return;
    // The rest is the shared origin's (a session's own host is the app's, whatever its paths).
    if (streamEvents && EVENTS_ROUTE.test(req.url ?? '')) return void streamEvents(req, res);
    // Files (#38): a browser signed in to the portal through the portal's relay (its CSRF check, its ID token), any
    // other caller straight to the files service, which verifies the credential itself.
    if (config.filesService && FILES_ROUTE.test(req.url ?? '')) {
      if (servePages && portal && !req.headers.authorization && PORTAL_COOKIE_SENT.test(req.headers.cookie ?? ''))
        return void servePages(req, res);
      return relayFiles(config.filesService, req, res);
    }
    if (servePages) return void servePages(req, res);
    sendProblem(res, 404, 'route.not_found', 'Not a session route.', (req.url ?? '/').split('?')[0]!);
  });
  server.on('clientError', answerClientError);
  server.on('upgrade', (req, socket, head) => {
    withoutUrlPrefix(req, config.trameUrlPrefix);
    if (!router.handleUpgrade(req, socket, head))
      refuseUpgrade(socket, 404, 'route.not_found', 'Not a session route.', (req.url ?? '/').split('?')[0]!);
  });
  server.listen(config.port, config.host, () =>
    logger.info({ port: config.port, host: config.host }, 'session router listening'),
  );

  // SIGTERM (ECS stops the task): stop accepting, let in-flight HTTP finish, close sockets with 1001.
  process.once('SIGTERM', () => {
    draining = true;
    logger.info({}, 'draining');
    server.close(() => process.exit(0));
    server.closeIdleConnections();
    void router.shutdown().then(() => setTimeout(() => process.exit(0), 10_000).unref());
  });
} catch (error) {
  if (error instanceof ConfigError) {
    process.stderr.write(`sessionplane router: ${error.message}\n`);
    process.exit(2);
  }
  throw error;
}
