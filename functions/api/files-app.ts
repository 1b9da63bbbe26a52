import type { Hono } from 'hono';
import type { ApiDeps, ApiEnv } from './context';
import { homeFileRoutes } from './routes/home-files';
import { standaloneApp } from './standalone-app';

/**
 * `/homes/me/files` on its own, with the API's authentication and problem+json: what the files service beside the
 * router serves on AWS (its task mounts the homes; a Lambda function has no such mount and takes 6 MB at most). The
 * same path, the same credentials (a personal token, the issuer's JWT), the same answers as on one machine.
 */
export function createFilesApp(
  deps: Pick<ApiDeps, 'authenticate' | 'logger' | 'homeFiles' | 'maxUploadBytes'>,
): Hono<ApiEnv> {
  return standaloneApp(deps)
    .route('/homes/me/files', homeFileRoutes(deps, 'read'))
    .route('/homes/me/files', homeFileRoutes(deps, 'write'));
}
