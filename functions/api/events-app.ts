import { Hono } from 'hono';
import { DomainError } from '../../shared/domain/errors';
import type { ApiDeps, ApiEnv } from './context';
import { problemResponse, toProblem } from './problem';
import { type EventsDeps, serveSessionEvents } from './routes/session-events';

/**
 * GET /sessions/{id}/events on its own, with the API's authentication and problem+json: what the
 * router service serves on AWS, where API Gateway HTTP APIs cannot stream (they buffer a response
 * and cut it at 30 s). The same path, the same credential (the issuer's JWT), the same answers.
 */
export function createEventsApp(deps: EventsDeps & Pick<ApiDeps, 'authenticate' | 'logger'>): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>({ strict: false });
  app.onError((error, c) => {
    const { problem, headers } = toProblem(error, deps.logger);
    return problemResponse(c, problem, headers);
  });
  app.use('*', async (c, next) => {
    const principal = await deps.authenticate(c);
    if (!principal)
      throw new DomainError('auth.unauthenticated', 'A valid credential is required: Authorization: Bearer <token>.');
    c.set('principal', principal);
    await next();
  });
  app.get('/sessions/:id/events', (c) => serveSessionEvents(deps, c));
  return app;
}
