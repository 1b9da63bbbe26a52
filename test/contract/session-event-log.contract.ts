import { describe, expect, it } from 'vitest';
import { newSessionId } from '../../shared/domain/ids';
import { once } from '../../shared/domain/events';
import type { SessionEventLog } from '../../shared/ports/session-events';

/**
 * What every SessionEventLog does (shared/ports/session-events.ts), whichever store holds it: events
 * in the order written, numbered from 1, each key once, listed after a cursor, and `changed`
 * resolving (at once or after its poll) so a reader lists again.
 */
export function sessionEventLogContract(name: string, log: () => SessionEventLog): void {
  describe(`SessionEventLog contract: ${name}`, () => {
    it('keeps events in the order written, numbered from 1, and lists after a cursor', async () => {
      const id = newSessionId();
      expect(await log().list(id)).toEqual([]);
      const written = await log().append(id, [once('requested', 1, 'asked'), once('placed', 2, 'placed')]);
      expect(written.map((e) => [e.id, e.phase])).toEqual([
        [1, 'requested'],
        [2, 'placed'],
      ]);
      await log().append(id, [once('ready', 3, 'ready')]);
      expect((await log().list(id)).map((e) => e.id)).toEqual([1, 2, 3]);
      expect((await log().list(id, 2)).map((e) => e.phase)).toEqual(['ready']);
    });

    it('writes each key once, whatever order and however often it is appended', async () => {
      const id = newSessionId();
      await log().append(id, [once('requested', 1, 'asked')]);
      const again = await log().append(id, [once('requested', 1, 'asked'), once('placed', 2, 'placed')]);
      expect(again.map((e) => e.phase)).toEqual(['placed']);
      expect((await log().list(id)).map((e) => e.phase)).toEqual(['requested', 'placed']);
    });

    it("keeps one session's events apart from another's", async () => {
      const [a, b] = [newSessionId(), newSessionId()];
      await log().append(a, [once('requested', 1, 'a')]);
      await log().append(b, [once('requested', 1, 'b'), once('placed', 2, 'b')]);
      expect((await log().list(a)).map((e) => e.message)).toEqual(['a']);
      expect((await log().list(b)).length).toBe(2);
    });

    it('resolves changed() after an append, or once its time is up', async () => {
      const id = newSessionId();
      const waited = log().changed(id, 60_000);
      await log().append(id, [once('requested', 1, 'asked')]);
      await waited; // woken at once where the log sees its appends, else after its poll interval
      await log().changed(newSessionId(), 50);
    });
  });
}
