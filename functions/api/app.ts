import { ALL_ROUTE_GROUPS, type RouteGroup } from '../../shared/config/api-routes';
import { type Context, Hono, type MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { cors } from 'hono/cors';
import { DomainError } from '../../shared/domain/errors';
import type { ApiDeps, ApiEnv, GroupMount } from './context';
import { problemOf } from '../http/problem';
import { problemResponse, toProblem } from './problem';
import { visitors } from './auth/visitors';
import { addressRateLimit, perUserRateLimit } from './rate-limit';

/** Paths that answer in the wslink launcher's shape: JSON {"error": "..."}, never a page. */
const LAUNCHER_PATHS = /^\/(paraview|launcher)(\/|$)/;
/** Paths that answer in skaha's shape: text/plain, skaha's codes (a cap is its 400). */
const SKAHA_PATHS = /^\/skaha\/v[01](\/|$)/;
const SKAHA_STATUS: Partial<Record<string, number>> = {
  'quota.exceeded': 400,
  'image.not_allowed': 400,
  'app.not_found': 400,
  'session.illegal_transition': 400,
};

/**
 * The control API as one hono app: mounted whole by the local server (all-groups.ts), and split
 * by concern across Lambda functions on AWS, each entry passing the route groups it serves. The catalog group serves the OpenAPI document, which
 * its entry passes in (`openApi`, from ./openapi): its JSON Schema generation (zod's, ~25 KiB) is
 * then bundled only into the function that serves it.
 */
// Over 60 lines: the API's middleware chain and route mounting, in the order requests pass through them.
export function createApp(
  deps: ApiDeps,
  groups: Partial<Record<RouteGroup, GroupMount>>,
  options: { pages?: Hono; gate?: MiddlewareHandler; openApi?: (origin: string) => object } = {},
): Hono<ApiEnv> {
  const { openApi } = options;
  if (groups.catalog && !openApi)
    throw new Error('The catalog group serves /openapi.json: pass options.openApi (./openapi).');
  const app = new Hono<ApiEnv>({ strict: false });
  const path = (c: { req: { url: string } }) => new URL(c.req.url).pathname;

  app.onError((error, c) => {
    const { problem, headers } = toProblem(error, deps.logger);
    if (LAUNCHER_PATHS.test(path(c))) return c.json({ error: problem.detail }, problem.status as 400, headers);
    if (SKAHA_PATHS.test(path(c)))
      return c.text(problem.detail, (SKAHA_STATUS[problem.code] ?? problem.status) as 400, headers);
    return problemResponse(c, problem, headers);
  });
  app.notFound((c) => {
    const detail = `No route for ${c.req.method} ${path(c)}.`;
    if (LAUNCHER_PATHS.test(path(c))) return c.json({ error: detail }, 404);
    if (SKAHA_PATHS.test(path(c))) return c.text(detail, 404);
    return problemResponse(c, problemOf('route.not_found', detail));
  });

  // Before anything else (the local server's shutdown: refuse new requests, count those in flight).
  if (options.gate) app.use('*', options.gate);

  // Browser frontends on other origins (the trame client's sessionManagerURL); before auth, for preflights.
  if (deps.corsOrigins.length) {
    app.use(
      '*',
      cors({
        origin: deps.corsOrigins,
        allowMethods: ['GET', 'POST', 'PATCH', 'DELETE', 'OPTIONS'],
        allowHeaders: ['Authorization', 'Content-Type', 'Idempotency-Key'],
        maxAge: 600,
        exposeHeaders: ['Location', 'X-Next-Since'],
      }),
    );
  }

  // Pages served ahead of the API (the local server's demo page); what they do not find falls through.
  if (options.pages) app.route('/', options.pages as unknown as Hono<ApiEnv>);
  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  if (openApi && groups.catalog) app.get('/openapi.json', (c) => c.json(openApi(new URL(c.req.url).origin)));

  // Every body is small JSON, but a file put in a home: that one is streamed to disk within its own limit.
  const limitBody: MiddlewareHandler = bodyLimit({
    maxSize: deps.maxBodyBytes,
    onError: () => {
      throw new DomainError('request.too_large', `The request body is larger than ${deps.maxBodyBytes} bytes.`, {
        details: { maxBytes: deps.maxBodyBytes },
      });
    },
  });
  app.use('*', (c, next) =>
    c.req.method === 'PUT' && path(c).startsWith('/homes/me/files/') ? next() : limitBody(c, next),
  );
  for (const group of ALL_ROUTE_GROUPS) groups[group]?.publicRoutes?.(app, deps);
  const anonymous = addressRateLimit(deps.anonymousRateLimit);
  // Where an app is open to anyone, a caller of the launcher with no credential is a visitor (a cookie of its own).
  let visitor: ReturnType<typeof visitors> | false | undefined;
  const visitorOf = (c: Context) => {
    visitor ??= deps.apps.list().some((a) => a.open) && visitors(deps.tokenKey, deps.urls.publicUrl);
    return visitor ? visitor(c) : undefined;
  };
  app.use('*', async (c, next) => {
    const principal = (await deps.authenticate(c)) ?? visitorOf(c);
    if (!principal) {
      anonymous.check(c);
      anonymous.count(c);
      throw new DomainError('auth.unauthenticated', 'A valid credential is required: Authorization: Bearer <token>.');
    }
    c.set('principal', principal);
    await next();
  });
  app.use('*', perUserRateLimit(deps.rateLimit));
  // Apps that labelled images describe, looked for again once their TTL has passed.
  app.use('*', async (_c, next) => {
    await deps.apps.refresh();
    await next();
  });

  // In one order whatever the entry (read's GET /sessions/{id} before anything else under /sessions).
  for (const group of ALL_ROUTE_GROUPS) groups[group]?.(app, deps);
  return app;
}
