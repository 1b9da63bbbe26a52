import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serve } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import { composeLocal } from './functions/local/compose';
import { loadAppsFile, loadLocalConfig } from './shared/config';
import { silentLogger } from './shared/ports';
const config = loadLocalConfig({
  PATH: process.env.PATH,
  SESSIONPLANE_DATA_DIR: mkdtempSync(join(tmpdir(), 'g-')),
  SESSIONPLANE_PORT_RANGE: '44000-44999',
  PORT: '0',
  SESSIONPLANE_RATE_LIMIT: '1000000',
});
const plane = await composeLocal({ config, apps: loadAppsFile('examples/apps/apps.yml'), logger: silentLogger, inMemory: true });
const server = serve({ fetch: plane.app.fetch, port: 0, hostname: '127.0.0.1' });
await new Promise((r) => server.once('listening', r));
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
const auth = { authorization: `Bearer ${plane.adminToken}` };
const { id } = (await (await fetch(`${base}/sessions`, { method: 'POST', body: '{"app":"echo"}', headers: auth })).json()) as any;
const t0 = performance.now();
let n = 0;
await Promise.all(
  Array.from({ length: 50 }, async () => {
    while (n++ < 4000) await (await fetch(`${base}/sessions/${id}`, { headers: auth })).arrayBuffer();
  }),
);
console.log('req/s', (4000 / ((performance.now() - t0) / 1000)).toFixed(0));
server.close();
await plane.close();
process.exit(0);
