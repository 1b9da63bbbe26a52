import { LRUCache } from 'lru-cache';
import type { QueueClass } from '../../domain/queue';
import { isFinal, type Session, type SessionStatus } from '../../domain/session';
import { canReach } from '../../domain/transitions';
import type { SessionChanges } from '../../ports/session-changes';
import type { Page, SessionStore } from '../../ports/session-store';
import { KeyedWaiters } from './keyed-waiters';
import { ListCache } from './list-cache';

/** Records are shared from the cache, so none may be changed in place (the domain never does). */
function frozen(session: Session): Session {
  for (const value of Object.values(session)) if (value && typeof value === 'object') Object.freeze(value);
  return Object.freeze(session);
}

/**
 * A session store that tells waiters of its own writes: when this process is the only writer (the
 * local server and its embedded store), a waiter wakes the moment a record changes instead of
 * polling it. Activity updates are not status changes and wake nobody.
 *
 * With `cacheReads` (only where this process is the sole writer), it also keeps the records it has
 * read or written, so a get costs no store round trip: every change passes through here, so the
 * cache is never behind the store, and a stop is visible at once. A write that fails drops the
 * record (the next get reads it afresh); so does an activity update. Only live records are kept:
 * a session that has ended leaves the cache, so it holds what is running, not every session the
 * server has seen.
 *
 * With `cacheReads` it also keeps the lists last read (an owner's pages, what is shared with whom) until a write
 * changes them, with the same rule: a list a write overlapped is not kept.
 *
 * With `cacheReads` it also knows which sessions are QUEUED once a whole live listing has run (from then on every
 * write says), so the queue's dispatcher can skip its pass when none is. A listing that writes overlapped takes their
 * word for the sessions they wrote: on a busy server every listing has writes beside it (the dispatcher's own, at
 * each session's end, overlaps the end's usage and quota writes), and asking for none left it never known (#39).
 */
export class NotifyingSessionStore implements SessionStore, SessionChanges {
  private readonly waiters = new KeyedWaiters();
  private readonly listeners = new Set<(id: string) => void>();
  private readonly cache: LRUCache<string, Session> | undefined;
  private readonly lists: ListCache | undefined;
  /** Counts the starts and ends of writes, so a read that overlapped one does not cache what it read. */
  private writes = 0;
  /** The QUEUED sessions' ids (cacheReads only; undefined until a whole live listing is known to be exact). */
  private queued: Set<string> | undefined;
  /** Live listings under way: each one's word of the sessions written while it ran (QUEUED or not; true: not known). */
  private readonly listings = new Set<Map<string, boolean>>();

  constructor(
    private readonly inner: SessionStore,
    options: { cacheReads?: boolean; cacheSize?: number } = {},
  ) {
    if (options.cacheReads) {
      this.cache = new LRUCache({ max: options.cacheSize ?? 20_000 });
      this.lists = new ListCache(options.cacheSize ?? 20_000);
    }
  }

  next(id: string, timeoutMs: number): Promise<void> {
    return this.waiters.next(id, timeoutMs);
  }

  onChange(listener: (id: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private remember(session: Session): void {
    if (!this.cache) return;
    this.noteQueued(session.id, session.status === 'QUEUED');
    if (isFinal(session.status)) this.cache.delete(session.id);
    else this.cache.set(session.id, frozen(session));
  }

  /** Whether a session is QUEUED as a write left it (true where the write failed: its stored status is not known). */
  private noteQueued(id: string, queued: boolean): void {
    if (queued) this.queued?.add(id);
    else this.queued?.delete(id);
    for (const written of this.listings) written.set(id, queued);
  }

  private changed(id: string): void {
    for (const listener of this.listeners) listener(id);
    this.waiters.wake(id);
  }

  /**
   * One write through to the store, with the cache and the waiters kept right: the write counter
   * moves at its start and its end (so an overlapping read is not cached), `written` updates the
   * cache on success, a failure drops the record, the lists of its owner (every list, when the owner is not known)
   * are dropped, and waiters hear of it either way (unless quiet). `from`: the status the write expects the record in
   * (undefined: not known); after a failure, the record may be QUEUED only if that status could still lead there.
   */
  private async write<T>(
    { id, owner, from }: { id: string; owner: string | undefined; from: SessionStatus | undefined },
    op: () => Promise<T>,
    written: (result: T) => void,
    notify = true,
  ): Promise<T> {
    this.writes++;
    try {
      const result = await op();
      written(result);
      return result;
    } catch (error) {
      this.cache?.delete(id);
      // Its stored status is not known here; it may be queued if it had not yet started (a pass more, never one
      // missed). One that had started never queues again, so a lost race at its end costs no pass over every session.
      if (this.cache) this.noteQueued(id, from === undefined || canReach(from, 'QUEUED'));
      throw error;
    } finally {
      this.writes++;
      this.lists?.changed(owner);
      // Written, or lost to a write that got there first: either way the record is not what a waiter saw.
      if (notify) this.changed(id);
    }
  }

  create(session: Session): Promise<void> {
    return this.write(
      { id: session.id, owner: session.owner, from: undefined },
      () => this.inner.create(session),
      () => this.remember({ ...session }),
    );
  }

  async get(id: string): Promise<Session | undefined> {
    const hit = this.cache?.get(id);
    if (hit) return hit;
    const before = this.writes;
    const session = await this.inner.get(id);
    // Not cached if any write went by while this read was on its way: it may be newer than what was read.
    if (session && this.writes === before) this.remember(session);
    return session;
  }

  discard(session: Session): Promise<boolean> {
    this.cache?.delete(session.id);
    return this.write(
      { id: session.id, owner: session.owner, from: session.status },
      () => this.inner.discard(session),
      (discarded) => {
        this.cache?.delete(session.id);
        // Not discarded: it was no longer PENDING, and what it is now is not known here (it may be queued).
        if (this.cache) this.noteQueued(session.id, !discarded);
      },
    );
  }

  transition(current: Session, next: Session): Promise<Session> {
    return this.write(
      { id: current.id, owner: current.owner, from: current.status },
      () => this.inner.transition(current, next),
      (written) => this.remember({ ...written }),
    );
  }

  async listByOwner(owner: string, options?: { limit?: number; cursor?: string }): Promise<Page<Session>> {
    const hit = this.lists?.page(owner, options);
    if (hit) return hit;
    const before = this.writes;
    const page = await this.inner.listByOwner(owner, options);
    if (this.lists && this.writes === before) {
      const kept = { ...page, items: page.items.map(frozen) };
      this.lists.keepPage(owner, options, kept);
      return kept;
    }
    return page;
  }

  listUnrecorded(): AsyncIterable<Session> {
    return this.inner.listUnrecorded();
  }

  /** Changes nothing a session record shows (it only leaves the index of ended sessions not yet billed). */
  markRecorded(id: string): Promise<void> {
    return this.inner.markRecorded(id);
  }

  async listSharedWith(grantees: readonly string[]): Promise<Session[]> {
    const hit = this.lists?.sharedWith(grantees);
    if (hit) return hit;
    const before = this.writes;
    const found = await this.inner.listSharedWith(grantees);
    if (this.lists && this.writes === before) {
      const kept = found.map(frozen);
      this.lists.keepSharedWith(grantees, kept);
      return kept;
    }
    return found;
  }

  listLive(): AsyncIterable<Session> {
    return this.knowingQueued(this.inner.listLive());
  }

  listQueued(): AsyncIterable<Session> {
    return this.knowingQueued(this.inner.listQueued());
  }

  queueDepartures(cls: QueueClass): Promise<number[]> {
    return this.inner.queueDepartures(cls);
  }

  /** Changes nothing a session record shows. */
  noteQueueDepartures(cls: QueueClass, times: readonly number[]): Promise<void> {
    return this.inner.noteQueueDepartures(cls, times);
  }

  /** A whole listing that holds every QUEUED session (the live ones, or the queue) tells which are. */
  private async *knowingQueued(listing: AsyncIterable<Session>): AsyncIterable<Session> {
    if (!this.cache) {
      yield* listing;
      return;
    }
    const queued = new Set<string>();
    const written = new Map<string, boolean>();
    this.listings.add(written);
    try {
      for await (const session of listing) {
        if (session.status === 'QUEUED') queued.add(session.id);
        yield session;
      }
    } finally {
      this.listings.delete(written);
    }
    // Whole: the queued ones it saw, each as the last write beside it left it (a write still under way when it ended
    // says so itself when it ends); exact from here, every write keeping it so.
    for (const [id, isQueued] of written) {
      if (isQueued) queued.add(id);
      else queued.delete(id);
    }
    this.queued = queued;
  }

  mayHaveQueued(): boolean {
    return this.queued === undefined || this.queued.size > 0;
  }

  /** Not a status change: it wakes nobody, and the record is read afresh next time. */
  recordActivity(id: string, at: number): Promise<void> {
    const known = this.cache?.get(id);
    return this.write(
      { id, owner: known?.owner, from: known?.status },
      () => this.inner.recordActivity(id, at),
      () => this.cache?.delete(id),
      false,
    );
  }
}
