import { isFinal, isStarting, type Session } from '../../shared/domain/session';
import type { Clock } from '../../shared/ports/clock';
import { changeOrTimeout, type SessionChanges } from '../../shared/ports/session-changes';
import type { SessionStore } from '../../shared/ports/session-store';

/**
 * Finds sessions for the router: a short cache in front of the store, so a page's many requests
 * cost one read, while a stop is seen within `cacheMs`.
 */
const NEGATIVE_CACHE_MS = 60_000;

export class SessionLookup {
  private readonly cache = new Map<string, { session: Session | undefined; at: number }>();
  /** Reads in flight: a burst of requests for one session (a page's assets, a client's sockets) costs one read. */
  private readonly reading = new Map<string, Promise<Session | undefined>>();

  constructor(
    private readonly store: SessionStore,
    private readonly clock: Clock,
    private readonly cacheMs: number,
    private readonly changes?: SessionChanges,
  ) {
    // Where writes are seen, a changed record leaves the cache at once: a stop takes effect now, not within cacheMs.
    changes?.onChange((id) => {
      this.cache.delete(id);
      this.reading.delete(id);
    });
  }

  async get(id: string, fresh = false): Promise<Session | undefined> {
    const now = this.clock.now();
    const hit = this.cache.get(id);
    // An unknown id is remembered longer: ids are random and only their creator learns them, after
    // the record exists, so a miss stays a miss; guessing costs no store read for a minute.
    if (!fresh && hit && now - hit.at < (hit.session ? this.cacheMs : Math.max(this.cacheMs, NEGATIVE_CACHE_MS)))
      return hit.session;
    const inFlight = this.reading.get(id);
    if (inFlight) return inFlight;
    const read = this.store.get(id).then((session) => {
      // A write seen while reading may have made this answer stale: cache it only if none came.
      if (this.reading.get(id) === read) this.cache.set(id, { session, at: now });
      if (this.cache.size > 10_000) this.prune(now);
      return session;
    });
    this.reading.set(id, read);
    void read.then(
      () => this.reading.get(id) === read && this.reading.delete(id),
      () => this.reading.get(id) === read && this.reading.delete(id),
    );
    return read;
  }

  /**
   * Waits for a PENDING or STARTING session to become READY, until its launch deadline or until
   * `aborted()` says the client left. Resolves the last record seen. Woken by the store's writes
   * where this process sees them; else (AWS: task-events writes) a poll of the one record.
   */
  async waitUntilReady(session: Session, aborted: () => boolean): Promise<Session | undefined> {
    let current: Session | undefined = session;
    let delay = 50;
    while (current && isStarting(current.status)) {
      if (aborted() || this.clock.now() > current.launchDeadline) return current;
      await changeOrTimeout(this.changes, current.id, delay);
      delay = Math.min(500, delay * 2);
      current = await this.get(current.id, true);
    }
    return current;
  }

  private prune(now: number): void {
    for (const [id, hit] of this.cache)
      if (now - hit.at >= (hit.session ? this.cacheMs : NEGATIVE_CACHE_MS)) this.cache.delete(id);
  }
}

export function isReachable(session: Session | undefined): session is Session & { runtime: { endpoint: string } } {
  return !!session && session.status === 'READY' && !!session.runtime?.endpoint;
}

export function isGone(session: Session | undefined): boolean {
  return !session || isFinal(session.status) || session.status === 'STOPPING';
}
