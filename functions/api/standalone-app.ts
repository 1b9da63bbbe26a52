import { Hono } from 'hono';
import { DomainError } from '../../shared/domain/errors';
import type { ApiDeps, ApiEnv } from './context';
import { problemResponse, toProblem } from './problem';

/**
 * A part of the API served on its own, beside the router on AWS (the event stream, files): the API's authentication
 * of every request, its problem+json for every error and unknown route; the part's routes go on it.
 */
export function standaloneApp(deps: Pick<ApiDeps, 'authenticate' | 'logger'>): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>({ strict: false });
  app.onError((error, c) => {
    const { problem, headers } = toProblem(error, deps.logger);
    return problemResponse(c, problem, headers);
  });
  app.notFound((c) =>
    problemResponse(c, toProblem(new DomainError('route.not_found', 'Not a route here.'), deps.logger).problem),
  );
  app.use('*', async (c, next) => {
    const principal = await deps.authenticate(c);
    if (!principal)
      throw new DomainError('auth.unauthenticated', 'A valid credential is required: Authorization: Bearer <token>.');
    c.set('principal', principal);
    await next();
  });
  return app;
}
