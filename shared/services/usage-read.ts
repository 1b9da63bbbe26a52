import { isLive, type Session } from '../domain/session';
import { sumOf, type UsageSum, usageOf } from '../domain/usage';
import type { ServiceDeps } from './deps';
import { capacityOf } from './usage';

const DAY = 24 * 3600_000;
const floorDay = (t: number) => Math.floor(t / DAY) * DAY;
const ceilDay = (t: number) => Math.ceil(t / DAY) * DAY;

type UsageReadDeps = Pick<ServiceDeps, 'store' | 'quotas'> & Partial<Pick<ServiceDeps, 'apps' | 'usage'>>;

/**
 * The live sessions of one owner, or of everyone. One owner's come from their own sessions, newest
 * first, until as many live ones as their quota counts are found (or their history, kept a week
 * after each end, runs out): not a read of every live session, which the portal would pay on each page.
 */
async function* liveSessions(deps: UsageReadDeps, owner: string | undefined): AsyncIterable<Session> {
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
 * The usage of [from, to), one owner's or everyone's, as sums: the store's day sums for the whole UTC days it keeps
 * them for, the records of the rest (the range's ragged ends, the days before the sums began), and the live sessions
 * up to now. A month of a busy user reads some thirty sums rather than every session's record (#39).
 */
export async function usageSums(
  deps: UsageReadDeps,
  range: { from: number; to: number; owner: string | undefined; app?: string | undefined },
  now: number,
): Promise<UsageSum[]> {
  const { from, to, owner } = range;
  const sums: UsageSum[] = [];
  const keep = (s: { owner: string; app: string }) =>
    (owner === undefined || s.owner === owner) && (range.app === undefined || s.app === range.app);
  const usage = deps.usage;
  if (usage) {
    const recordsOf = async (a: number, b: number) => {
      if (a < b) for await (const r of usage.list({ from: a, to: b, owner })) if (keep(r)) sums.push(sumOf(r));
    };
    const sumsFrom = usage.sums ? await usage.sumsFrom?.() : undefined;
    // Whole days: from the first that starts in the range (and once the sums are whole) to the last that ends in it;
    // with `to` now or later, through today (no record ends after now).
    const first = sumsFrom === undefined ? to : Math.max(ceilDay(from), sumsFrom);
    const last = to >= now ? ceilDay(to) : floorDay(to);
    if (usage.sums && first < last) {
      await recordsOf(from, first);
      for await (const s of usage.sums({ from: first, to: last, owner })) if (keep(s)) sums.push(s);
      await recordsOf(last, to);
    } else await recordsOf(from, to);
  }
  // Live sessions count up to now (their record is written when they end).
  if (to >= now)
    for await (const s of liveSessions(deps, owner)) {
      const r = usageOf(s, capacityOf(deps, s), now);
      if (keep(r) && s.createdAt < to) sums.push(sumOf(r));
    }
  return sums;
}
