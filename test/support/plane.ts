import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Context } from 'hono';
import { composeLocal, type LocalPlane } from '../../functions/local/compose';
import { listenLocal, type LocalServer } from '../../functions/local/http-server';
import { loadLocalConfig } from '../../shared/config/env';
import type { AppSpec } from '../../shared/domain/app';
import type { Session } from '../../shared/domain/session';
import { silentLogger, type Logger } from '../../shared/ports/logger';
import { testPortRange } from './ports';
import { waitFor } from './wait';

/** Waits until a session has settled its start (READY or FAILED) and returns its record. */
export function settledStart(plane: Pick<LocalPlane, 'deps'>, id: string, timeoutMs = 10_000): Promise<Session> {
  return waitFor(
    async () => {
      const s = await plane.deps.store.get(id);
      return s?.status === 'READY' || s?.status === 'FAILED' ? s : undefined;
    },
    timeoutMs,
    `session ${id} READY or FAILED`,
  );
}

export interface TestPlane extends LocalPlane {
  dataDir: string;
  /** A request as `user` (the test authenticator reads x-test-user, and x-test-groups; no header: unauthenticated). */
  request(path: string, init?: RequestInit & { user?: string | null }): Promise<Response>;
  /** Serves the API and the router over real HTTP on a free port. */
  listen(): Promise<LocalServer>;
  dispose(): Promise<void>;
}

/** The whole local control plane in this process: dynalite in memory, real child processes. */
export async function startTestPlane(
  apps: Record<string, AppSpec>,
  env: Record<string, string> = {},
  options: { realAuth?: boolean; logger?: Logger } = {},
): Promise<TestPlane> {
  const dataDir = mkdtempSync(join(tmpdir(), 'sp-plane-'));
  const [lo, hi] = testPortRange();
  const config = loadLocalConfig({
    PATH: process.env.PATH,
    SESSIONPLANE_DATA_DIR: dataDir,
    SESSIONPLANE_PORT_RANGE: `${lo}-${hi}`,
    SESSIONPLANE_STOP_GRACE: '2s',
    SESSIONPLANE_SESSION_DOMAIN: 'none',
    // Processes only, unless a test asks for its container engine.
    SESSIONPLANE_CONTAINER_HOST: 'none',
    ...env,
  });
  const plane = await composeLocal({
    config,
    apps: new Map(Object.entries(apps).map(([name, spec]) => [name, { ...spec, name }])),
    logger: options.logger ?? silentLogger,
    inMemory: true,
    // Stands in for bearer tokens in tests of everything else (auth has its own tests).
    ...(options.realAuth
      ? {}
      : {
          authenticate: async (c: Context) => {
            const user = c.req.header('x-test-user');
            const groups = c.req.header('x-test-groups')?.split(',').filter(Boolean);
            return user ? { user, admin: user === 'admin', ...(groups ? { groups } : {}) } : undefined;
          },
        }),
  });
  let server: LocalServer | undefined;
  return {
    ...plane,
    dataDir,
    request: (path, init = {}) => {
      const { user = 'alice', ...rest } = init;
      const headers = new Headers(rest.headers);
      if (user) headers.set('x-test-user', user);
      return Promise.resolve(plane.app.request(path, { ...rest, headers }));
    },
    listen: async () => (server = await listenLocal(plane, 0, '127.0.0.1', { maxHeaderBytes: config.maxHeaderBytes })),
    dispose: async () => {
      if (server) await server.close();
      else await plane.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
