import { admitToken } from '../../shared/domain/authorization';
import type { Clock } from '../../shared/ports/clock';
import { isGone, type SessionLookup } from './session-lookup';
import type { WsConnection } from './ws-connection';

/**
 * The router's open WebSockets by session. A stopped session's sockets are closed within about one
 * lookup period, and so are those a revoked (or expired) share admitted.
 */
export class OpenSockets {
  private readonly bySession = new Map<string, Set<WsConnection>>();
  private readonly sweep: NodeJS.Timeout;

  constructor(
    private readonly lookup: SessionLookup,
    private readonly clock: Clock,
    lookupCacheMs: number,
  ) {
    this.sweep = setInterval(() => this.closeUnwelcome(), Math.max(250, lookupCacheMs));
    this.sweep.unref();
  }

  /** Tracks a connection until it closes (then `onClosed`). */
  add(sessionId: string, conn: WsConnection, onClosed: () => void): void {
    const set = this.bySession.get(sessionId) ?? new Set<WsConnection>();
    this.bySession.set(sessionId, set);
    set.add(conn);
    void conn.closed.then(() => {
      onClosed();
      set.delete(conn);
      if (set.size === 0) this.bySession.delete(sessionId);
    });
  }

  /**
   * The sessions with a socket open that counts as use (their activity is written): open, and its client sent
   * something within `inputIdleMs` (a forgotten tab stops counting; a viewer who still turns the model does not).
   */
  *active(inputIdleMs = Number.POSITIVE_INFINITY): Generator<string> {
    const now = Date.now();
    for (const [id, conns] of this.bySession)
      if ([...conns].some((c) => c.active && now - c.lastInputAt < inputIdleMs)) yield id;
  }

  private closeUnwelcome(): void {
    for (const [id, conns] of this.bySession) {
      void this.lookup.get(id, true).then(
        (session) => {
          if (isGone(session)) for (const conn of conns) void conn.close(1001, 'session stopped');
          else
            for (const conn of conns)
              if (session && !admitToken(session, conn.token, 'use', this.clock.now()))
                void conn.close(1008, 'access revoked');
        },
        () => undefined,
      );
    }
  }

  /** Closes every socket with 1001 and stops the sweep. */
  async closeAll(reason: string): Promise<void> {
    clearInterval(this.sweep);
    const all = [...this.bySession.values()].flatMap((set) => [...set]);
    await Promise.all(all.map((conn) => conn.close(1001, reason)));
  }
}
