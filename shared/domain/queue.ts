import type { Session } from './session';

/** The queues a launch waits in: interactive sessions before batch jobs (a person is waiting for the first). */
export type QueueClass = 'interactive' | 'batch';
const QUEUE_CLASSES: readonly QueueClass[] = ['interactive', 'batch'];
export const queueClassOf = (s: { kind?: 'job' | undefined }): QueueClass =>
  s.kind === 'job' ? 'batch' : 'interactive';

/** How long the queue may grow, and how long a launch may wait in it per class before it fails (queue-timeout). */
export interface QueuePolicy {
  max: number;
  waitMs: Record<QueueClass, number>;
  /**
   * How long a reader may tell places from the queue's order as it last read it (0 or unset: read it for every
   * answer). On AWS each answer would otherwise read every waiting record and their owners' usage: a thousand
   * waiting, each polled, is a thousand reads a poll.
   */
  placeCacheMs?: number;
}

/**
 * The order queued sessions start in: the interactive class first, then batch; within a class, higher priority first
 * (the app's `priority`, Kueue's WorkloadPriorityClass); within a priority, fair between users (Kueue's and Slurm's
 * fair share, in its simplest form): the next is the head of the owner who has the fewest sessions running (their
 * live, started ones, and those this order has already placed ahead), ties to the one who has waited longest; each
 * owner's own sessions in the order they asked. Pure: the dispatcher starts them in this order, and a session's place
 * is its index here.
 */
export function queueOrder(queued: readonly Session[], running: ReadonlyMap<string, number>): Session[] {
  const order: Session[] = [];
  const counts = new Map(running);
  const priorities = [...new Set(queued.map(priorityOf))].sort((a, b) => b - a);
  for (const [cls, priority] of QUEUE_CLASSES.flatMap((c) => priorities.map((p) => [c, p] as const))) {
    const byOwner = new Map<string, Session[]>();
    const mine = (q: Session) => (q.queue?.class ?? queueClassOf(q)) === cls && priorityOf(q) === priority;
    for (const s of [...queued].filter(mine).sort(bySince)) byOwner.set(s.owner, [...(byOwner.get(s.owner) ?? []), s]);
    while (byOwner.size) {
      let next: string | undefined;
      for (const [owner, list] of byOwner) {
        if (next === undefined) {
          next = owner;
          continue;
        }
        const [a, b] = [counts.get(owner) ?? 0, counts.get(next) ?? 0];
        if (a < b || (a === b && bySince(list[0]!, byOwner.get(next)![0]!) < 0)) next = owner;
      }
      const list = byOwner.get(next!)!;
      order.push(list.shift()!);
      counts.set(next!, (counts.get(next!) ?? 0) + 1);
      if (!list.length) byOwner.delete(next!);
    }
  }
  return order;
}

const priorityOf = (s: Session) => s.queue?.priority ?? 0;

/** The pace the queue kept this last hour is how fast it is likely to move next. */
const PACE_WINDOW_MS = 3600_000;

/**
 * About how long the `place`-th in a class's queue will wait (seconds), from the pace its class left the queue at this
 * last hour (`departures`: when each live session of the class that waited left the queue): `place` intervals of
 * that pace, an interval being the time since the first of them over how many left. Undefined when none left in the
 * last hour: there is no pace to tell from.
 */
export function estimateWait(place: number, departures: readonly number[], now: number): number | undefined {
  const recent = departures.filter((t) => now - t <= PACE_WINDOW_MS && t <= now);
  if (!recent.length) return undefined;
  const interval = (now - Math.min(...recent)) / recent.length;
  return Math.round((place * interval) / 1000);
}

const bySince = (a: Session, b: Session) =>
  (a.queue?.since ?? a.createdAt) - (b.queue?.since ?? b.createdAt) || a.createdAt - b.createdAt;

/** "3rd", "21st": a place in words. */
export function ordinal(n: number): string {
  const tens = n % 100;
  const suffix = tens >= 11 && tens <= 13 ? 'th' : (['th', 'st', 'nd', 'rd'][n % 10] ?? 'th');
  return `${n}${suffix}`;
}
