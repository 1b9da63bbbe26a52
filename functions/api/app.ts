import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { DomainError } from '../../shared/domain/errors';
import type { ApiDeps, ApiEnv } from './context';
import { problemOf, problemResponse, toProblem } from './problem';
import { perUserRateLimit } from './rate-limit';
import { appRoutes } from './routes/apps';
import { sessionRoutes } from './routes/sessions';

/**
 * The control API as one hono app: mounted whole by the local server, and split by concern
 * across Lambda functions on AWS.
 */
export function createApp(deps: ApiDeps): Hono<ApiEnv> {
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

  app.route('/sessions', sessionRoutes(deps));
  app.route('/apps', appRoutes(deps));
  return app;
}
