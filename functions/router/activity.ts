import type { Clock } from '../../shared/ports/clock';
import type { Logger } from '../../shared/ports/logger';
import type { SessionStore } from '../../shared/ports/session-store';

interface Entry {
  lastSeen: number;
  lastWritten: number;
  dirty: boolean;
  /** This session's write interval: the tracker's, or half its app's idle timeout if that is shorter. */
  intervalMs: number;
}

/**
 * Records activity: every HTTP request, and every WebSocket for as long as it is open (traffic in
 * either direction needs an open socket, and a viewer watching a still image sends nothing, so an
 * open socket counts as activity by itself). Writes lastActivityAt at most once per session per
 * interval: at once when the last write is older than that, else at the next sweep. A session
 * whose app's idle timeout is shorter than twice the interval is written at half its idle timeout,
 * so a session in use is never reaped as idle (#35: an idleTimeout of 20 s with writes every 30 s).
 */
export class ActivityTracker {
  private readonly entries = new Map<string, Entry>();
  private timer: NodeJS.Timeout;
  /** The sweep's period: half the shortest write interval any session has (the tracker's, at first). */
  private sweepMs: number;

  /** `openSessions`: the sessions with a WebSocket open right now (the router's own record of them). */
  constructor(
    private readonly store: SessionStore,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly intervalMs: number,
    private readonly openSessions: () => Iterable<string> = () => [],
  ) {
    this.sweepMs = Math.max(50, Math.floor(intervalMs / 2));
    this.timer = this.schedule();
  }

  /** Something happened in this session (an HTTP request, a socket opened); `idleTimeoutMs`: its app's. */
  touch(sessionId: string, idleTimeoutMs?: number): void {
    const now = this.clock.now();
    const entry = this.entry(sessionId);
    if (idleTimeoutMs !== undefined && idleTimeoutMs > 0) {
      entry.intervalMs = Math.min(this.intervalMs, Math.max(50, Math.floor(idleTimeoutMs / 2)));
      // Sweeps as often as the shortest interval needs, and no more often (every open socket is visited).
      if (entry.intervalMs / 2 < this.sweepMs) {
        this.sweepMs = Math.max(50, Math.floor(entry.intervalMs / 2));
        clearInterval(this.timer);
        this.timer = this.schedule();
      }
    }
    entry.lastSeen = now;
    entry.dirty = true;
    if (now - entry.lastWritten >= entry.intervalMs) this.write(sessionId, entry, now);
  }

  private schedule(): NodeJS.Timeout {
    const timer = setInterval(() => this.sweep(), this.sweepMs);
    timer.unref();
    return timer;
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private entry(sessionId: string): Entry {
    let entry = this.entries.get(sessionId);
    if (!entry) {
      entry = { lastSeen: 0, lastWritten: 0, dirty: false, intervalMs: this.intervalMs };
      this.entries.set(sessionId, entry);
    }
    return entry;
  }

  private sweep(): void {
    const now = this.clock.now();
    // An open socket is activity even when nothing flows (a viewer looking at a still image).
    for (const id of this.openSessions()) {
      const entry = this.entry(id);
      entry.lastSeen = now;
      entry.dirty = true;
    }
    for (const [id, entry] of this.entries) {
      if (now - entry.lastWritten < entry.intervalMs) continue;
      if (entry.dirty) this.write(id, entry, now);
      else if (now - entry.lastWritten > 4 * entry.intervalMs) this.entries.delete(id);
    }
  }

  private write(sessionId: string, entry: Entry, now: number): void {
    entry.dirty = false;
    entry.lastWritten = now;
    this.store.recordActivity(sessionId, entry.lastSeen).catch((error: unknown) => {
      entry.dirty = true;
      this.logger.warn({ sessionId, err: (error as Error).message }, 'could not record activity');
    });
  }
}
