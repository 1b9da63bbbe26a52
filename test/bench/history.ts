import { randomBytes } from 'node:crypto';
import { usageOf } from '../../shared/domain/usage';
import { makeSession } from '../support/sessions';
import { startBenchPlane } from './bench-plane';
import { ms, quantile, table } from './stats';

/** `n` requests to `url`, `inFlight` at a time: their times, and how many a second were answered. */
async function load(url: string, headers: Record<string, string>, n: number, inFlight: number) {
  const times: number[] = [];
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < n) {
        next++;
        const t = performance.now();
        const res = await fetch(url, { headers });
        await res.arrayBuffer();
        if (!res.ok) throw new Error(`${url}: ${res.status}`);
        times.push(performance.now() - t);
      }
    }),
  );
  return { p50: quantile(times, 0.5), p99: quantile(times, 0.99), perSecond: n / ((performance.now() - t0) / 1000) };
}

/**
 * Reads that must not grow with history (#39): `GET /sessions` and `GET /usage` as one user (the admin) with `ended` ended sessions
 * on record (each with its usage record, ended this month), one at a time and 50 in flight.
 */
export async function benchHistory(): Promise<string> {
  const rows: (string | number)[][] = [];
  for (const ended of [0, 1000]) {
    const at = await startBenchPlane({ portRange: '43000-43100' });
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
        await load(`${at.base}${path}`, headers, 20, 1); // warm
        const one = await load(`${at.base}${path}`, headers, 100, 1);
        const fifty = await load(`${at.base}${path}`, headers, 500, 50);
        rows.push([label, ended, ms(one.p50), ms(fifty.p50), ms(fifty.p99), `${fifty.perSecond.toFixed(0)} req/s`]);
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
