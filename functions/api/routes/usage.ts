import { Hono } from 'hono';
import * as z from 'zod';
import { DomainError } from '../../../shared/domain/errors';
import { isLive, type Session } from '../../../shared/domain/session';
import { groupUsage, totalsOf, usageOf, type UsageRecord } from '../../../shared/domain/usage';
import { capacityOf } from '../../../shared/services/usage';
import type { ApiDeps, ApiEnv } from '../context';
import { check } from '../validate';

const DAY = 24 * 3600_000;
const Day = z.iso.date().or(z.iso.datetime());

export const UsageQuerySchema = z.strictObject({
  /** From this day (or time), UTC; default: the first of this month. */
  from: Day.optional(),
  /** Up to (not including) this day or time; default: now. */
  to: Day.optional(),
  /** Admins: one user's (others always see their own). */
  user: z.string().max(128).optional(),
  app: z.string().max(64).optional(),
  groupBy: z.enum(['user', 'app']).default('user'),
  period: z.enum(['day', 'month']).default('day'),
  format: z.enum(['json', 'csv']).optional(),
});

const CSV_COLUMNS = [
  'period',
  'by',
  'name',
  'sessions',
  'seconds',
  'vcpuHours',
  'gbHours',
  'gpuHours',
  'cost',
] as const;

/** A CSV field: quoted when it holds a comma, quote or line break, and never read as a formula by a spreadsheet. */
function csvField(value: unknown): string {
  let text = String(value);
  if (/^[=+\-@]/.test(text) && !/^-?\d/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/**
 * The live sessions of one owner, or of everyone. One owner's come from their own sessions, newest
 * first, until as many live ones as their quota counts are found (or their history, kept a week
 * after each end, runs out): not a read of every live session, which the portal would pay on each page.
 */
async function* liveSessions(deps: ApiDeps, owner: string | undefined): AsyncIterable<Session> {
  if (owner === undefined) {
    yield* deps.store.listLive();
    return;
  }
  const expected = (await deps.quotas.get(owner)).sessions;
  let found = 0;
  let cursor: string | undefined;
  do {
    const page = await deps.store.listByOwner(owner, { limit: 100, ...(cursor ? { cursor } : {}) });
    for (const s of page.items.filter((x) => isLive(x.status))) {
      found++;
      yield s;
    }
    cursor = page.cursor;
  } while (cursor && found < expected);
}

/**
 * GET /usage: session-seconds and what they cost, from the usage records of ended sessions and the
 * live ones up to now; users see their own, admins anyone's (?user=), by user or app, per day or
 * month, as JSON or CSV (?format=csv, or Accept: text/csv).
 */
export function usageRoutes(deps: ApiDeps): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>();
  app.get('/', async (c) => {
    const q = check(UsageQuerySchema, c.req.query(), 'query');
    const me = c.var.principal;
    if (q.user !== undefined && q.user !== me.user && !me.admin)
      throw new DomainError('auth.forbidden', "Only admins may see another user's usage.");
    const owner = me.admin ? q.user : me.user;
    const now = deps.clock.now();
    const startOfMonth = Date.UTC(new Date(now).getUTCFullYear(), new Date(now).getUTCMonth(), 1);
    const from = q.from ? Date.parse(q.from) : startOfMonth;
    const to = q.to ? Date.parse(q.to) + (/T/.test(q.to) ? 0 : DAY) : now;
    if (!(from < to)) throw new DomainError('request.invalid', '`from` must be before `to`.');
    const keep = (r: UsageRecord) =>
      (owner === undefined || r.owner === owner) && (q.app === undefined || r.app === q.app);
    const records: UsageRecord[] = [];
    if (deps.usage) for await (const r of deps.usage.list({ from, to, owner })) if (keep(r)) records.push(r);
    // Live sessions count up to now (their record is written when they end).
    if (to >= now)
      for await (const s of liveSessions(deps, owner)) {
        const r = usageOf(s, capacityOf(deps, s), now);
        if (keep(r) && s.createdAt < to) records.push(r);
      }
    const prices = deps.prices?.table ?? {};
    const rows = groupUsage(records, q.groupBy, q.period, prices);
    const csv = q.format === 'csv' || (q.format === undefined && (c.req.header('accept') ?? '').includes('text/csv'));
    if (csv) {
      const lines = [CSV_COLUMNS.join(','), ...rows.map((r) => CSV_COLUMNS.map((k) => csvField(r[k])).join(','))];
      c.header('content-disposition', 'attachment; filename="usage.csv"');
      return c.body(`${lines.join('\r\n')}\r\n`, 200, { 'content-type': 'text/csv; charset=utf-8' });
    }
    return c.json({
      from: new Date(from).toISOString(),
      to: new Date(to).toISOString(),
      ...(owner !== undefined ? { user: owner } : {}),
      groupBy: q.groupBy,
      period: q.period,
      rows,
      totals: totalsOf(records, prices),
      prices: { table: prices, source: deps.prices?.source ?? 'none configured: every price is 0', currency: 'USD' },
    });
  });
  return app;
}
