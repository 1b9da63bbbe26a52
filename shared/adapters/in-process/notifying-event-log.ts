import { LRUCache } from 'lru-cache';
import type { NewSessionEvent, SessionEvent } from '../../domain/events';
import type { SessionEventLog } from '../../ports/session-events';
import { KeyedWaiters } from './keyed-waiters';

/**
 * An event log that wakes readers on its own appends: where this process makes every append (the
 * local server), a stream client hears of an event the moment it is written, not at the next poll.
 * For the same reason it can keep each session's log it has read (bounded): an append passes
 * through here and drops it, so a read never sees less than was written.
 */
export class NotifyingSessionEventLog implements SessionEventLog {
  private readonly waiters = new KeyedWaiters();
  private readonly cache = new LRUCache<string, readonly SessionEvent[]>({ max: 5000 });
  /** Moves at the start and end of every append, so a read that overlapped one is not kept. */
  private appends = 0;

  constructor(private readonly inner: SessionEventLog) {}

  async append(sessionId: string, events: readonly NewSessionEvent[]): Promise<SessionEvent[]> {
    const began = ++this.appends;
    const before = this.cache.get(sessionId);
    this.cache.delete(sessionId);
    let written: SessionEvent[] = [];
    try {
      written = await this.inner.append(sessionId, events);
      if (written.length) this.waiters.wake(sessionId);
      return written;
    } finally {
      // What was kept, and what this append wrote right after it, is the log, if no other append or
      // read overlapped this one (then the next read goes to the store).
      const alone = ++this.appends === began + 1;
      const next = [...(before ?? []), ...written];
      if (alone && before && next.every((e, i) => e.id === i + 1)) this.cache.set(sessionId, next);
      else this.cache.delete(sessionId);
    }
  }

  async list(sessionId: string, after = 0): Promise<SessionEvent[]> {
    let all = this.cache.get(sessionId);
    if (!all) {
      const before = this.appends;
      all = await this.inner.list(sessionId);
      if (this.appends === before) this.cache.set(sessionId, all);
    }
    return all.slice(after);
  }

  changed(sessionId: string, timeoutMs: number): Promise<void> {
    return this.waiters.next(sessionId, timeoutMs);
  }
}
