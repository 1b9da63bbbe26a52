import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { expect } from 'vitest';
import type { LocalServer } from '../../functions/local/http-server';
import { loadAppsFile } from '../../shared/config/apps-file';
import { freePort } from './dynamodb-local';
import { localIssuer, type LocalIssuer } from './oidc-issuer';
import { startTestPlane, type TestPlane } from './plane';
import { spawnFilesService, spawnRouter } from './router-process';

export interface RouterPortal {
  idp: LocalIssuer;
  /** The API (the HTTP API's part): a local plane that accepts only the issuer's JWTs. */
  plane: TestPlane;
  api: LocalServer;
  router: ChildProcess;
  /** The files service beside the router (functions/aws/files-service.ts), where asked for: its process and homes. */
  files?: { child: ChildProcess; homesDir: string } | undefined;
  /** The router service's origin, which the API's URLs name too, as on AWS. */
  base: string;
  get(path: string, cookie?: string): Promise<Response>;
  /** Signs `user` in at the router through the issuer; the portal cookie. */
  signInAs(user: string, groups?: string[], lifetime?: string): Promise<string>;
  dispose(): Promise<void>;
}

/**
 * The portal as AWS serves it: the router service (functions/aws/router-service.ts, a process of its own) signing users
 * in through a local issuer and calling the API at its URL with each user's own ID token. `env` goes to both.
 */
export async function startRouterPortal(
  appsFile: string,
  env: Record<string, string> = {},
  options: { files?: Record<string, string> } = {},
): Promise<RouterPortal> {
  const idp = await localIssuer();
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const oidc = { SESSIONPLANE_JWT_ISSUER: idp.issuer, SESSIONPLANE_JWT_AUDIENCE: 'portal' };
  const plane = await startTestPlane(
    Object.fromEntries(loadAppsFile(appsFile)),
    { ...oidc, SESSIONPLANE_PUBLIC_URL: base, ...env },
    { realAuth: true },
  );
  const api = await plane.listen();
  const files = options.files
    ? await spawnFilesService(plane.dynamodbEndpoint, {
        SESSIONPLANE_JWT_ISSUER: idp.issuer,
        SESSIONPLANE_JWT_AUDIENCE: 'sessionplane,portal',
        ...options.files,
      })
    : undefined;
  const { child: router } = await spawnRouter(
    plane.dynamodbEndpoint,
    {
      ...oidc,
      SESSIONPLANE_TABLE: 'sessionplane-sessions',
      SESSIONPLANE_APPS: appsFile,
      SESSIONPLANE_PUBLIC_URL: base,
      SESSIONPLANE_API_URL: api.url,
      SESSIONPLANE_PORTAL_KEY: randomBytes(32).toString('hex'),
      SESSIONPLANE_OIDC_CLIENT_ID: 'portal',
      SESSIONPLANE_LOG_LEVEL: 'warn',
      ...(files ? { SESSIONPLANE_FILES_SERVICE: files.url } : {}),
      ...env,
    },
    port,
  );
  const get = (path: string, cookie = '') =>
    fetch(`${path.startsWith('http') ? '' : base}${path}`, { redirect: 'manual', headers: cookie ? { cookie } : {} });
  const signInAs = async (user: string, groups: string[] = [], lifetime = '5m') => {
    Object.assign(idp.as, { subject: user, groups, lifetime });
    const start = await get('/sign-in/oidc?next=/');
    expect(new URL(start.headers.get('location')!).origin).toBe(idp.issuer);
    const flow = start.headers.getSetCookie()[0]!.split(';')[0]!;
    const back = await get(start.headers.get('location')!);
    const done = await get(back.headers.get('location')!, flow);
    expect(done.status).toBe(303);
    return done.headers
      .getSetCookie()
      .map((c) => c.split(';')[0]!)
      .find((c) => c.startsWith('sessionplane_portal=') && c.length > 22)!;
  };
  return {
    idp,
    plane,
    api,
    router,
    ...(files ? { files: { child: files.child, homesDir: files.homesDir } } : {}),
    base,
    get,
    signInAs,
    dispose: async () => {
      router.kill('SIGKILL');
      files?.child.kill('SIGKILL');
      await plane.dispose();
      idp.server.close();
    },
  };
}
