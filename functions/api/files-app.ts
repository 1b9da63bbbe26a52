import { Hono } from 'hono';
import { DomainError } from '../../shared/domain/errors';
import type { ApiDeps, ApiEnv } from './context';
import { problemResponse, toProblem } from './problem';
import { homeFileRoutes } from './routes/home-files';

/**
 * `/homes/me/files` on its own, with the API's authentication and problem+json: what the files service beside the
 * router serves on AWS (its task mounts the homes; a Lambda function has no such mount and takes 6 MB at most). The
 * same path, the same credentials (a personal token, the issuer's JWT), the same answers as on one machine.
 */
export function createFilesApp(
  deps: Pick<ApiDeps, 'authenticate' | 'logger' | 'homeFiles' | 'maxUploadBytes'>,
): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>({ strict: false });
  app.onError((error, c) => {
    const { problem, headers } = toProblem(error, deps.logger);
    return problemResponse(c, problem, headers);
  });
  app.notFound((c) =>
    problemResponse(c, toProblem(new DomainError('route.not_found', 'Not a files route.'), deps.logger).problem),
  );
  app.use('*', async (c, next) => {
    const principal = await deps.authenticate(c);
    if (!principal)
      throw new DomainError('auth.unauthenticated', 'A valid credential is required: Authorization: Bearer <token>.');
    c.set('principal', principal);
    await next();
  });
  app.route('/homes/me/files', homeFileRoutes(deps, 'read'));
  app.route('/homes/me/files', homeFileRoutes(deps, 'write'));
  return app;
}
