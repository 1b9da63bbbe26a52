import { randomBytes } from 'node:crypto';
import { usageOf } from '../../shared/domain/usage';
import { makeSession } from '../support/sessions';
import { startBenchPlane } from '../bench/bench-plane';
import { loadFromOwnProcess } from '../bench/load-client';

const path = process.argv[2] ?? '/sessions';
const at = await startBenchPlane({ portRange: '43000-43100' });
const { store, usage } = at.plane.deps;
const now = Date.now();
for (let i = 0; i < 1000; i++) {
  const endedAt = now - (i % 5) * 3600_000 - 60_000;
  const session = makeSession({ id: randomBytes(16).toString('hex'), owner: 'admin', status: 'STOPPED', createdAt: endedAt - 600_000, stoppedAt: endedAt });
  await store.create(session);
  await usage!.record(usageOf(session, 'FARGATE', endedAt));
}
if (path.startsWith('/usage')) while (!(await usage!.backfillSums!(500)).done);
const r0 = await fetch(`${at.base}${path}`, { headers: at.auth });
const body = await r0.text();
console.log('bytes', body.length, body.slice(0, 300));
const r = await loadFromOwnProcess(`${at.base}${path}`, at.auth.authorization, 2000, 50, 200);
console.log('req/s', r.perSecond.toFixed(0));
await at.close();
process.exit(0);
