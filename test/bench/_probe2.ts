import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { composeLocal } from '../../functions/local/compose';
import { loadAppsFile, loadLocalConfig } from '../../shared/config';
import { silentLogger } from '../../shared/ports';
const dataDir = mkdtempSync(join(tmpdir(), 'sp-p-'));
const config = loadLocalConfig({ PATH: process.env.PATH, SESSIONPLANE_DATA_DIR: dataDir, SESSIONPLANE_PORT_RANGE: '43000-43999', PORT: '0', SESSIONPLANE_SESSION_DOMAIN: 'none' });
const plane = await composeLocal({ config, apps: loadAppsFile('examples/apps/apps.yml'), logger: silentLogger });
const times: Record<string, number[]> = {};
const wrap = (obj: any, name: string, label: string) => {
  const orig = obj[name].bind(obj);
  obj[name] = async (...a: any[]) => { const t = performance.now(); try { return await orig(...a); } finally { (times[label] ??= []).push(performance.now() - t); } };
};
const d = plane.deps as any;
for (const m of ['create', 'transition', 'get']) wrap(d.store, m, `store.${m}`);
for (const m of Object.getOwnPropertyNames(Object.getPrototypeOf(d.quotas))) if (m !== 'constructor') wrap(d.quotas, m, `quotas.${m}`);
for (const m of Object.getOwnPropertyNames(Object.getPrototypeOf(d.idempotency))) if (m !== 'constructor') wrap(d.idempotency, m, `idem.${m}`);
wrap(d.runtime, 'start', 'runtime.start');
const auth = { authorization: `Bearer ${plane.adminToken}` };
for (let i = 0; i < 40; i++) {
  const t = performance.now();
  const res = await plane.app.request('/sessions', { method: 'POST', body: '{"app":"echo"}', headers: auth });
  const b = (await res.json()) as any;
  (times.POST ??= []).push(performance.now() - t);
  await new Promise((r) => setTimeout(r, 300));
  await plane.app.request(`/sessions/${b.id}`, { method: 'DELETE', headers: auth });
}
for (const [k, v] of Object.entries(times)) console.log(k, v.length, v.slice(2).map((x) => x.toFixed(1)).join(' '));
await plane.close();
process.exit(0);
