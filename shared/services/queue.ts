import type { AppSpec } from '../domain/app';
import type { NewSessionEvent } from '../domain/events';
import { CapacityError, ConflictError, QuotaExceededError } from '../domain/errors';
import { workKindOf } from '../domain/limits';
import { estimateWait, ordinal, type QueueClass, type QueuePolicy, queueClassOf, queueOrder } from '../domain/queue';
import { STATUS_REASONS, type Session } from '../domain/session';
import { transition } from '../domain/transitions';
import type { LaunchDeps, ServiceDeps } from './deps';
import { recordEvents } from './session-events';
import { applyUntilSettled } from './update';

/**
 * The queue: those waiting in it, in the order they will start, and how many each of their owners has running (their
 * quota's count of the sessions and jobs they hold). It reads the queue's own shard of the store and one usage record
 * per waiting owner, never every live session: at a scale of thousands live, the dispatcher runs at each one's end.
 */
async function queueState(deps: Pick<ServiceDeps, 'store' | 'quotas'>) {
  const queued: Session[] = [];
  // Taken from the queue by a dispatcher this moment, not yet started: still waiting, as far as the bound goes.
  let claimed = 0;
  for await (const s of deps.store.listQueued()) {
    if (s.status === 'QUEUED') queued.push(s);
    else claimed++;
  }
  const usage = await deps.quotas.getMany([...new Set(queued.map((s) => s.owner))]);
  const running = new Map([...usage].map(([owner, u]) => [owner, u.sessions + u.jobs]));
  return { order: queueOrder(queued, running), running, waiting: queued.length + claimed };
}

type PlaceDeps = Pick<ServiceDeps, 'store' | 'quotas' | 'clock'> & { policy?: { queue?: QueuePolicy | undefined } };

/** The queue's order as a reader last read it, per store, where places may be told from it a while (`placeCacheMs`). */
const lastOrders = new WeakMap<object, { at: number; state: ReturnType<typeof queueState> }>();

/** The queue's order for telling places: as last read, if that was within `placeCacheMs`; else read now. */
function orderForPlaces(deps: PlaceDeps, fresh: boolean): { state: ReturnType<typeof queueState>; kept: boolean } {
  const keepMs = deps.policy?.queue?.placeCacheMs ?? 0;
  const now = deps.clock.now();
  const last = lastOrders.get(deps.store);
  if (!fresh && keepMs > 0 && last && now - last.at < keepMs) return { state: last.state, kept: true };
  const state = queueState(deps);
  if (keepMs > 0) {
    lastOrders.set(deps.store, { at: now, state });
    state.catch(() => lastOrders.delete(deps.store));
  }
  return { state, kept: false };
}

/**
 * Where a queued session is: its place (1: next), of how many wait, and about how long it will wait (seconds). Where
 * places may be told from an order read a moment ago, one not in it (queued since) is looked for in a fresh read.
 */
export async function queuePlace(
  deps: PlaceDeps,
  session: Session,
): Promise<{ place: number; of: number; estimatedWaitSeconds?: number } | undefined> {
  if (session.status !== 'QUEUED') return undefined;
  const cls = session.queue?.class ?? queueClassOf(session);
  const read = orderForPlaces(deps, false);
  const [state, departures] = await Promise.all([read.state, deps.store.queueDepartures(cls)]);
  let order = state.order;
  let i = order.findIndex((s) => s.id === session.id);
  if (i < 0 && read.kept) {
    order = (await orderForPlaces(deps, true).state).order;
    i = order.findIndex((s) => s.id === session.id);
  }
  if (i < 0) return undefined;
  const ahead = order.slice(0, i + 1).filter((s) => (s.queue?.class ?? queueClassOf(s)) === cls).length;
  const estimate = estimateWait(ahead, departures, deps.clock.now());
  return { place: i + 1, of: order.length, ...(estimate !== undefined ? { estimatedWaitSeconds: estimate } : {}) };
}

/**
 * A session as it is now, with its place if it waits. A record read as QUEUED may have left the queue since (a
 * dispatcher pass claimed it, or started or canceled it): it is read again rather than shown queued with no place.
 */
export async function withQueuePlace(
  deps: PlaceDeps,
  session: Session,
): Promise<{ session: Session; queue?: NonNullable<Awaited<ReturnType<typeof queuePlace>>> }> {
  let current = session;
  for (let tries = 0; tries < 3 && current.status === 'QUEUED'; tries++) {
    const queue = await queuePlace(deps, current);
    if (queue) return { session: current, queue };
    current = (await deps.store.get(current.id)) ?? current;
  }
  return { session: current };
}

/**
 * Puts a launch that cannot be placed now into the queue: PENDING → QUEUED (or a new record, QUEUED from the start),
 * its wait bounded by its class's, its place told in its event log. Undefined: the queue is full (the caller refuses).
 */
export async function enqueue(
  deps: LaunchDeps & { policy: { queue: QueuePolicy } },
  session: Session,
  why: string,
  /** `before`: events of the launch to write ahead of the queue's (its request), in one append. */
  options: { create?: boolean; before?: NewSessionEvent[] } = {},
): Promise<Session | undefined> {
  const { queue } = deps.policy;
  const cls = queueClassOf(session);
  const [{ order, running, waiting: already }, departures] = await Promise.all([
    queueState(deps),
    deps.store.queueDepartures(cls),
  ]);
  if (already >= queue.max) return undefined;
  const now = deps.clock.now();
  const app = deps.apps.get(session.app);
  const waiting = {
    queue: {
      since: session.queue?.since ?? now,
      class: cls,
      ...(app?.priority ? { priority: app.priority } : {}),
    },
    launchDeadline: now + queue.waitMs[cls],
  };
  let queued: Session | undefined;
  if (options.create) {
    queued = { ...session, ...waiting, status: 'QUEUED' };
    await deps.store.create(queued);
  } else
    queued = await applyUntilSettled(deps, session, (s) =>
      s.status === 'PENDING' ? transition(s, 'QUEUED', waiting, now) : undefined,
    );
  if (queued?.status !== 'QUEUED') return queued;
  const ordered = queueOrder([...order, queued], running);
  const place = ordered.findIndex((s) => s.id === session.id) + 1;
  const ofClass = ordered.slice(0, place).filter((s) => (s.queue?.class ?? queueClassOf(s)) === cls).length;
  const estimate = estimateWait(ofClass, departures, now);
  await recordEvents(deps, session.id, [
    ...(options.before ?? []),
    {
      key: `queued:${now}`,
      at: now,
      phase: 'queued',
      message: `Waiting in the queue, ${ordinal(place)} (${why.replace(/\.$/, '')})${estimate !== undefined ? `; about ${aboutMinutes(estimate)} at the last hour's pace` : ''}.`,
    },
  ]);
  deps.logger.info({ sessionId: session.id, owner: session.owner, place, why }, 'session queued');
  return queued;
}

export type QueuedStart = (session: Session, app: AppSpec) => Promise<'started' | 'no-capacity' | 'gone'>;

/**
 * Starts queued sessions in the queue's order while there is room: each is claimed by one conditional write (QUEUED
 * → PENDING), so two dispatchers never start one session twice; the owner's quota is reserved next (a job over its
 * owner's cap stays queued, and the owner's next waits too, the others go on); then `start` runs it as a launch
 * would. The first start that finds no capacity puts its session back and ends the pass. Those that waited past
 * their class's bound fail `queue-timeout`.
 */
export async function dispatchQueue(
  deps: LaunchDeps & { policy: { queue: QueuePolicy } },
  start: QueuedStart,
  options: {
    /** When the pass must claim no more (epoch ms): a Lambda's time ends; the rest wait for the next pass. */
    claimUntil?: number;
    /** Starts under way at once, still claimed in the queue's order (default 1: one after another). */
    concurrency?: number;
  } = {},
): Promise<{ started: number; waiting: number; timedOut: number }> {
  // The store knows none waits: no pass over every live session.
  if (deps.store.mayHaveQueued?.() === false) return { started: 0, waiting: 0, timedOut: 0 };
  const { order } = await queueState(deps);
  // When each session this pass started left the queue, by class: the queue's pace, told to those still waiting.
  const departures: Record<QueueClass, number[]> = { interactive: [], batch: [] };
  try {
    return await dispatchInOrder(deps, start, order, departures, {
      claimUntil: options.claimUntil ?? Number.POSITIVE_INFINITY,
      concurrency: options.concurrency ?? 1,
    });
  } finally {
    for (const [cls, times] of Object.entries(departures) as [QueueClass, number[]][])
      if (times.length) await deps.store.noteQueueDepartures(cls, times);
  }
}

// Over 60 lines: the pass's loop, claim by claim (time, deadline, app, owner's cap), each start beside the others.
async function dispatchInOrder(
  deps: LaunchDeps & { policy: { queue: QueuePolicy } },
  start: QueuedStart,
  order: Session[],
  departures: Record<QueueClass, number[]>,
  options: { claimUntil: number; concurrency: number },
): Promise<{ started: number; waiting: number; timedOut: number }> {
  let started = 0;
  let timedOut = 0;
  let gone = 0;
  // A start found no room: nothing more is claimed this pass.
  let full = false;
  const capped = new Set<string>();
  const starting = new Set<Promise<void>>();
  for (const session of order) {
    const now = deps.clock.now();
    // Out of time: nothing more is claimed (a claim the pass could not finish would wait for its launch deadline).
    if (full || now >= options.claimUntil) break;
    if (now > session.launchDeadline) {
      const failed = await applyUntilSettled(deps, session, (s) =>
        s.status === 'QUEUED' ? transition(s, 'FAILED', { statusReason: STATUS_REASONS.queueTimeout }, now) : undefined,
      );
      if (failed?.status === 'FAILED') timedOut++;
      continue;
    }
    const app = deps.apps.get(session.app);
    if (!app || capped.has(session.owner)) continue;
    let claimed: Session;
    try {
      claimed = await deps.store.transition(
        session,
        transition(
          session,
          'PENDING',
          { launchDeadline: now + app.launchTimeoutMs, queue: { ...session.queue!, left: now } },
          now,
        ),
      );
    } catch (error) {
      // Another dispatcher took it, or it was canceled: not ours to start.
      if (error instanceof ConflictError) continue;
      throw error;
    }
    try {
      await deps.quotas.reserve(claimed.owner, claimed.resources, deps.policy.limits, workKindOf(claimed));
    } catch (error) {
      if (!(error instanceof QuotaExceededError)) throw error;
      await requeue(deps, claimed, session);
      capped.add(session.owner);
      continue;
    }
    const run = start(claimed, app)
      .catch(async (error: unknown) => {
        if (!(error instanceof CapacityError)) return 'gone' as const;
        await deps.quotas.release(claimed.owner, claimed.resources, workKindOf(claimed));
        await requeue(deps, claimed, session);
        return 'no-capacity' as const;
      })
      .then((outcome) => {
        if (outcome === 'no-capacity') full = true;
        else if (outcome === 'gone') gone++;
        else {
          started++;
          departures[claimed.queue!.class].push(claimed.queue!.left!);
        }
      });
    starting.add(run);
    void run.finally(() => starting.delete(run));
    // In the queue's order, a few at once (1: each start before the next claim).
    if (starting.size >= options.concurrency) await Promise.race(starting);
  }
  await Promise.all(starting);
  return { started, waiting: order.length - started - timedOut - gone, timedOut };
}

/** A claimed session back in the queue where it was (it keeps its place: its `since`). */
async function requeue(deps: ServiceDeps, claimed: Session, before: Session): Promise<void> {
  await applyUntilSettled(deps, claimed, (s) =>
    s.status === 'PENDING'
      ? transition(
          s,
          'QUEUED',
          { launchDeadline: before.launchDeadline, queue: { ...before.queue!, left: undefined } },
          deps.clock.now(),
        )
      : undefined,
  );
}

/** "under a minute", "1 min", "25 min", "3 h". */
function aboutMinutes(seconds: number): string {
  if (seconds < 60) return 'under a minute';
  if (seconds < 5400) return `${Math.round(seconds / 60)} min`;
  return `${Math.round(seconds / 3600)} h`;
}
