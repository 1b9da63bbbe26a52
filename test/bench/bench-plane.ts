import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serve } from '@hono/node-server';
import { composeLocal, type LocalPlane } from '../../functions/local/compose';
import { loadAppsFile } from '../../shared/config/apps-file';
import { loadLocalConfig } from '../../shared/config/env';
import { silentLogger } from '../../shared/ports/logger';

/**
 * The local server as the benchmarks run it: the example apps, limits out of the way, the API
 * over real HTTP on a free port, as the admin. `inMemory`: the embedded store in memory, not on disk.
 */
export async function startBenchPlane(options: { portRange: string; inMemory?: boolean }): Promise<{
  plane: LocalPlane;
  base: string;
  auth: { authorization: string };
  close(): Promise<void>;
}> {
  const dataDir = mkdtempSync(join(tmpdir(), 'sp-bench-'));
  const config = loadLocalConfig({
    PATH: process.env.PATH,
    SESSIONPLANE_DATA_DIR: dataDir,
    SESSIONPLANE_PORT_RANGE: options.portRange,
    PORT: '0',
    SESSIONPLANE_MAX_SESSIONS_PER_USER: '10000',
    SESSIONPLANE_MAX_CPU_PER_USER: '100000',
    SESSIONPLANE_MAX_MEMORY_PER_USER: '100000Gi',
    SESSIONPLANE_RATE_LIMIT: '1000000',
  });
  const plane = await composeLocal({
    config,
    apps: loadAppsFile('examples/apps/apps.yml'),
    logger: silentLogger,
    inMemory: options.inMemory ?? false,
  });
  const server = serve({ fetch: plane.app.fetch, port: 0, hostname: '127.0.0.1' });
  await new Promise((r) => server.once('listening', r));
  return {
    plane,
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    auth: { authorization: `Bearer ${plane.adminToken}` },
    close: async () => {
      server.close();
      await plane.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
