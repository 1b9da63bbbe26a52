import { describe, expect, it } from 'vitest';
import { newSessionId } from '../../shared/domain/ids';
import type { Session } from '../../shared/domain/session';
import type { SessionLogs } from '../../shared/ports/session-logs';

export interface SessionLogsHarness {
  logs: SessionLogs;
  /** A session of this adapter's runtime (its record as the runtime leaves it). */
  session(): Session;
  /** Writes the session's output as its runtime would: each line at its time (epoch ms). */
  write(session: Session, lines: { at: number; text: string }[]): Promise<void>;
}

const T0 = Date.parse('2026-12-06T10:00:00.000Z');

/**
 * What every SessionLogs does (shared/ports/session-logs.ts): a session's output as lines stamped with
 * their ISO time, oldest first; `since` for what is newer; a size bound that keeps the newest lines
 * and says it left some out; nothing (not an error) before the app wrote anything.
 */
export function sessionLogsContract(name: string, harness: () => SessionLogsHarness): void {
  describe(`SessionLogs contract: ${name}`, () => {
    it('has no lines, and no error, before the app wrote any', async () => {
      const h = harness();
      expect(await h.logs.tail(h.session(), { maxBytes: 4096 })).toMatchObject({ lines: [], truncated: false });
    });

    it('gives the lines oldest first, each with its time, and from `since` on only the newer', async () => {
      const h = harness();
      const session = h.session();
      await h.write(session, [
        { at: T0, text: 'starting' },
        { at: T0 + 1000, text: 'listening on 8080' },
        { at: T0 + 2000, text: 'client connected' },
      ]);
      const all = await h.logs.tail(session, { maxBytes: 65_536 });
      expect(all.lines).toEqual([
        '2026-12-06T10:00:00.000Z starting',
        '2026-12-06T10:00:01.000Z listening on 8080',
        '2026-12-06T10:00:02.000Z client connected',
      ]);
      expect(all.truncated).toBe(false);
      expect(all.nextSince).toBeGreaterThan(T0 + 2000 - 1);
      const newer = await h.logs.tail(session, { sinceMs: T0 + 1000, maxBytes: 65_536 });
      expect(newer.lines.map((l) => l.slice(25))).toEqual(['listening on 8080', 'client connected']);
      const none = await h.logs.tail(session, { sinceMs: all.nextSince, maxBytes: 65_536 });
      expect(none.lines).toEqual([]);
    });

    it('keeps the newest lines within the size bound, and says it left some out', async () => {
      const h = harness();
      const session = h.session();
      await h.write(
        session,
        Array.from({ length: 50 }, (_, i) => ({
          at: T0 + i * 10,
          text: `line ${String(i).padStart(2, '0')} ${'x'.repeat(40)}`,
        })),
      );
      const tail = await h.logs.tail(session, { maxBytes: 1000 });
      expect(tail.truncated).toBe(true);
      expect(tail.lines.length).toBeGreaterThan(5);
      expect(tail.lines.length).toBeLessThan(50);
      expect(tail.lines.at(-1)).toContain('line 49');
      expect(tail.lines.join('\n').length).toBeLessThanOrEqual(1000);
    });
  });
}

/** A session record for a harness: what the tail reads is its id, app and runtime. */
export function loggedSession(runtimeId: (id: string) => string, app = 'echo'): Session {
  const id = newSessionId();
  return {
    id,
    owner: 'alice',
    app,
    name: app,
    status: 'READY',
    resources: { cpu: 1, memory: 512, gpus: 0 },
    params: {},
    tokenHash: 'x'.repeat(64),
    createdAt: T0,
    launchDeadline: T0 + 60_000,
    expiresAt: T0 + 3_600_000,
    version: 3,
    runtime: { kind: 'test', runtimeId: runtimeId(id) },
  } as Session;
}
