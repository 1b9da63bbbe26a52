import { randomBytes } from 'node:crypto';
import { usageOf } from '../../shared/domain/usage';
import { makeSession } from '../support/sessions';
import { startBenchPlane } from './bench-plane';
import { loadFromOwnProcess } from './load-client';
import { ms, quantile, table } from './stats';

/**
 * Reads that must not grow with history (#39): `GET /sessions` and `GET /usage` as one user (the admin) with `ended` ended sessions
 * on record (each with its usage record, ended this month), one at a time and 50 in flight.
 */
export async function benchHistory(): Promise<string> {
  const rows: (string | number)[][] = [];
  for (const ended of [0, 1000]) {
    const at = await startBenchPlane({ portRange: '26000-26100' });
    try {
      const { store, usage } = at.plane.deps;
      const now = Date.now();
      for (let i = 0; i < ended; i++) {
        const endedAt = now - (i % 5) * 3600_000 - 60_000;
        const session = makeSession({
          id: randomBytes(16).toString('hex'),
          owner: 'admin',
          status: 'STOPPED',
          createdAt: endedAt - 600_000,
          stoppedAt: endedAt,
        });
        await store.create(session);
        await usage!.record(usageOf(session, 'FARGATE', endedAt));
      }
      const headers = at.auth; // the local admin, whose history this is
      const measure = async (path: string, label = `GET ${path}`) => {
        const one = await loadFromOwnProcess(`${at.base}${path}`, headers.authorization, 100, 1, 20);
        const fifty = await loadFromOwnProcess(`${at.base}${path}`, headers.authorization, 1000, 50, 100);
        const [p50, p99] = [quantile(fifty.latencies, 0.5), quantile(fifty.latencies, 0.99)];
        rows.push([
          label,
          ended,
          ms(quantile(one.latencies, 0.5)),
          ms(p50),
          ms(p99),
          `${fifty.perSecond.toFixed(0)} req/s`,
        ]);
      };
      await measure('/sessions');
      // Today's records are before the day sums' first day (tomorrow: they began with these writes), so read one by
      // one; the reaper's passes then add them to their days, and a month reads its day sums.
      await measure('/usage', ended ? 'GET /usage (records: before the day sums)' : 'GET /usage');
      if (ended) {
        while (!(await usage!.backfillSums!(500)).done);
        await measure('/usage', 'GET /usage (day sums, after the backfill)');
      }
    } finally {
      await at.close();
    }
  }
  return [
    '### Reads against history: one user with N ended sessions this month (the embedded store, on disk)',
    '',
    table(
      ['request', 'ended sessions', 'p50 one at a time', 'p50 at 50 in flight', 'p99 at 50', 'throughput at 50'],
      rows,
    ),
  ].join('\n');
}
