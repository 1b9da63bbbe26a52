import type { Session } from '../domain/session';
import type { SessionChanges } from '../ports/session-changes';
import type { Page, SessionStore } from '../ports/session-store';

/**
 * A session store that tells waiters of its own writes: when this process is the only writer (the
 * local server and its embedded store), a waiter wakes the moment a record changes instead of
 * polling it. Activity updates are not status changes and wake nobody.
 */
export class NotifyingSessionStore implements SessionStore, SessionChanges {
  private readonly waiters = new Map<string, Set<() => void>>();
  private readonly listeners = new Set<(id: string) => void>();

  constructor(private readonly inner: SessionStore) {}

  next(id: string, timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      let set = this.waiters.get(id);
      if (!set) this.waiters.set(id, (set = new Set()));
      const wake = () => {
        clearTimeout(timer);
        set.delete(wake);
        if (set.size === 0 && this.waiters.get(id) === set) this.waiters.delete(id);
        resolve();
      };
      const timer = setTimeout(wake, timeoutMs);
      set.add(wake);
    });
  }

  onChange(listener: (id: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private changed(id: string): void {
    for (const listener of this.listeners) listener(id);
    const set = this.waiters.get(id);
    if (set) for (const wake of [...set]) wake();
  }

  async create(session: Session): Promise<void> {
    await this.inner.create(session);
    this.changed(session.id);
  }

  get(id: string): Promise<Session | undefined> {
    return this.inner.get(id);
  }

  async discard(session: Session): Promise<boolean> {
    const gone = await this.inner.discard(session);
    this.changed(session.id);
    return gone;
  }

  async transition(current: Session, next: Session): Promise<Session> {
    try {
      return await this.inner.transition(current, next);
    } finally {
      // Written, or lost to a write that got there first: either way the record is not what the waiter saw.
      this.changed(current.id);
    }
  }

  listByOwner(owner: string, options?: { limit?: number; cursor?: string }): Promise<Page<Session>> {
    return this.inner.listByOwner(owner, options);
  }

  listLive(): AsyncIterable<Session> {
    return this.inner.listLive();
  }

  recordActivity(id: string, at: number): Promise<void> {
    return this.inner.recordActivity(id, at);
  }
}
