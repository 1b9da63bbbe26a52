import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { DomainError } from '../../shared/domain/errors';
import type { ApiDeps, ApiEnv } from './context';
import { problemOf, problemResponse, toProblem } from './problem';
import { perUserRateLimit } from './rate-limit';
import { appRoutes } from './routes/apps';
import { sessionReadRoutes } from './routes/sessions-read';
import { sessionWriteRoutes } from './routes/sessions-write';

/** The concerns the API is split by on AWS: each is its own Lambda with its own IAM. */
export type RouteGroup = 'read' | 'write' | 'catalog';
export const ALL_ROUTE_GROUPS: readonly RouteGroup[] = ['read', 'write', 'catalog'];

/**
 * The control API as one hono app: mounted whole by the local server, and split by concern
 * across Lambda functions on AWS (`groups`).
 */
export function createApp(deps: ApiDeps, groups: readonly RouteGroup[] = ALL_ROUTE_GROUPS): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>();

  app.onError((error, c) => {
    const { problem, headers } = toProblem(error, deps.logger);
    return problemResponse(c, problem, headers);
  });
  app.notFound((c) => problemResponse(c, problemOf('route.not_found', 404, `No route for ${c.req.method} ${new URL(c.req.url).pathname}.`)));

  app.get('/healthz', (c) => c.json({ status: 'ok' }));

  app.use('*', bodyLimit({
    maxSize: deps.maxBodyBytes,
    onError: () => {
      throw new DomainError('request.too_large', `The request body is larger than ${deps.maxBodyBytes} bytes.`, { details: { maxBytes: deps.maxBodyBytes } });
    },
  }));
  app.use('*', async (c, next) => {
    const principal = await deps.authenticate(c);
    if (!principal) throw new DomainError('auth.unauthenticated', 'A valid credential is required: Authorization: Bearer <token>.');
    c.set('principal', principal);
    await next();
  });
  app.use('*', perUserRateLimit(deps.rateLimit));

  if (groups.includes('read')) app.route('/sessions', sessionReadRoutes(deps));
  if (groups.includes('write')) app.route('/sessions', sessionWriteRoutes(deps));
  if (groups.includes('catalog')) app.route('/apps', appRoutes(deps));
  return app;
}
