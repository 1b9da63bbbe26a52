import { Hono } from 'hono';
import * as z from 'zod';
import { DomainError } from '../../../shared/domain/errors';
import { groupUsage, totalsOf } from '../../../shared/domain/usage';
import { usageSums } from '../../../shared/services/usage-read';
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
    const sums = await usageSums(deps, { from, to, owner, app: q.app }, now);
    const prices = deps.prices?.table ?? {};
    const rows = groupUsage(sums, q.groupBy, q.period, prices);
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
      totals: totalsOf(sums, prices),
      prices: { table: prices, source: deps.prices?.source ?? 'none configured: every price is 0', currency: 'USD' },
    });
  });
  return app;
}
