import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { ActivityTracker } from '../../../functions/router/activity';
import { createDocumentClient } from '../../../shared/adapters/dynamodb/dynamodb-client';
import { DynamoDbSessionStore } from '../../../shared/adapters/dynamodb/dynamodb-session-store';
import { ensureSessionsTable } from '../../../shared/adapters/dynamodb/dynamodb-table';
import { startEmbeddedDynamoDb } from '../../../shared/adapters/dynamodb/embedded-dynamodb';
import { silentLogger } from '../../../shared/ports/logger';
import { makeSession } from '../../support/sessions';

describe('ActivityTracker', () => {
  let store: DynamoDbSessionStore;
  const writes: [string, number][] = [];

  beforeAll(async () => {
    const db = await startEmbeddedDynamoDb();
    const client = createDocumentClient({ endpoint: db.endpoint, region: 'local' });
    await ensureSessionsTable(client, 'sessions');
    store = new DynamoDbSessionStore(client, 'sessions');
    // Count the writes on their way to the real store.
    const record = store.recordActivity.bind(store);
    store.recordActivity = (id, at) => {
      writes.push([id, at]);
      return record(id, at);
    };
  });
  afterEach(() => {
    vi.useRealTimers();
    writes.length = 0;
  });

  it('writes at once, then at most once per interval however much traffic there is', async () => {
    const s = makeSession({ status: 'READY' });
    await store.create(s);
    vi.useFakeTimers({ now: 1_000_000 });
    const tracker = new ActivityTracker(store, { now: () => Date.now() }, silentLogger, 1000);
    tracker.touch(s.id);
    for (let i = 0; i < 400; i++) {
      vi.advanceTimersByTime(2);
      tracker.touch(s.id);
    }
    expect(writes).toEqual([[s.id, 1_000_000]]); // 400 touches in 800 ms: one write
    await vi.advanceTimersByTimeAsync(600); // the sweep at 1000 ms writes the trailing activity
    expect(writes).toEqual([
      [s.id, 1_000_000],
      [s.id, 1_000_800],
    ]);
    vi.useRealTimers();
    await new Promise((r) => setTimeout(r, 50));
    expect((await store.get(s.id))?.lastActivityAt).toBe(1_000_800);
    tracker.stop();
  });

  it('keeps a session with an open socket active with nothing flowing, and stops when it closes', async () => {
    vi.useFakeTimers({ now: 2_000_000 });
    const open = new Set<string>();
    const tracker = new ActivityTracker(store, { now: () => Date.now() }, silentLogger, 1000, () => open);
    open.add('a'.repeat(32));
    tracker.touch('a'.repeat(32)); // as the router does when the socket opens
    await vi.advanceTimersByTimeAsync(3_100);
    expect(writes.map(([, at]) => at)).toEqual([2_000_000, 2_001_000, 2_002_000, 2_003_000]);
    open.delete('a'.repeat(32));
    await vi.advanceTimersByTimeAsync(3_000);
    expect(writes).toHaveLength(4);
    tracker.stop();
  });

  it("writes a session whose app's idle timeout is short at half that timeout, so a session in use is never idle (#35)", async () => {
    vi.useFakeTimers({ now: 3_000_000 });
    const open = new Set<string>(['b'.repeat(32)]);
    // The server writes every 30 s; this app is reaped after 20 s of quiet.
    const tracker = new ActivityTracker(store, { now: () => Date.now() }, silentLogger, 30_000, () => open);
    tracker.touch('b'.repeat(32), 20_000);
    await vi.advanceTimersByTimeAsync(31_000);
    const at = writes.map(([, when]) => when - 3_000_000);
    expect(at).toEqual([0, 10_000, 20_000, 30_000]);
    // Never a gap the reaper could take for idleness.
    for (let i = 1; i < at.length; i++) expect(at[i]! - at[i - 1]!).toBeLessThan(20_000);
    tracker.stop();
  });
});
