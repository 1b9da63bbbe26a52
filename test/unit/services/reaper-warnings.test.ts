import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedDynamoDb, type EmbeddedDynamoDb } from '../../../shared/adapters/dynamodb/embedded-dynamodb';
import { reap } from '../../../shared/services/reaper/reap';
import { renewSession } from '../../../shared/services/renew';
import { IDLE_MS, LIFETIME_MS, reaperWorld } from '../../support/reaper-world';

/** #15 item 6: the reaper warns before an idle or expiry stop, and stops only in a later pass. */
describe('reaper warnings, on a fake clock', () => {
  let db: EmbeddedDynamoDb;
  beforeAll(async () => {
    db = await startEmbeddedDynamoDb();
  });
  afterAll(async () => db.close());

  it('never idles out an app whose idleTimeout is never (#37), yet still ends it at its lifetime', async () => {
    const w = await reaperWorld(db, { idleTimeoutMs: Number.POSITIVE_INFINITY });
    const s = await w.ready();
    const phases = async () => (await w.deps.events.list(s.id)).map((e) => e.phase);
    // Three days without any use: no idle warning, no stop.
    for (let day = 0; day < 3; day++) {
      w.advance(86_400_000);
      expect((await reap(w.deps, { concurrency: 4 })).reaped).toEqual({});
    }
    expect(await phases()).not.toContain('idle-warning');
    expect((await w.deps.store.get(s.id))?.status).toBe('READY');
    // Past its lifetime it is warned, then stopped as expired.
    w.advance(LIFETIME_MS - 3 * 86_400_000 + 1000);
    await reap(w.deps, { concurrency: 4 });
    expect((await reap(w.deps, { concurrency: 4 })).reaped).toEqual({ expired: 1 });
  });

  it('warns at idle − warnBefore, stops at idle in a later pass, and a renew in between keeps the session (#15)', async () => {
    const w = await reaperWorld(db);
    const s = await w.ready();
    const phases = async () => (await w.deps.events.list(s.id)).map((e) => e.phase);
    // warnBefore (5 min by default) is at most half the 180 s idle timeout: the warning comes at 90 s.
    w.advance(89_000);
    await reap(w.deps, { concurrency: 4 });
    expect(await phases()).not.toContain('idle-warning');
    w.advance(2000);
    await reap(w.deps, { concurrency: 4 });
    expect((await phases()).filter((p) => p === 'idle-warning')).toHaveLength(1);
    await reap(w.deps, { concurrency: 4 }); // a second pass in the window warns no more
    expect((await phases()).filter((p) => p === 'idle-warning')).toHaveLength(1);
    // The user reacts: renew counts as use, so the idle clock starts again.
    w.advance(29_000);
    await renewSession(w.deps, (await w.deps.store.get(s.id))!, 30 * 86_400_000);
    w.advance(61_000); // 181 s after the last activity before the renew
    expect((await reap(w.deps, { concurrency: 4 })).reaped).toEqual({});
    expect((await w.deps.store.get(s.id))?.status).toBe('READY');
    w.advance(30_000); // 91 s after the renew: warned again
    await reap(w.deps, { concurrency: 4 });
    expect((await phases()).filter((p) => p === 'idle-warning')).toHaveLength(2);
    w.advance(90_000); // 181 s after the renew
    expect((await reap(w.deps, { concurrency: 4 })).reaped).toEqual({ idle: 1 });
    expect(await phases()).toEqual([
      'requested',
      'placed',
      'ready',
      'idle-warning',
      'renewed',
      'idle-warning',
      'reaped',
    ]);
  });

  it('stops a session past its idle timeout only in the pass after the one that warned it (the reaper was away)', async () => {
    const w = await reaperWorld(db);
    const s = await w.ready();
    w.advance(IDLE_MS * 3);
    expect((await reap(w.deps, { concurrency: 4 })).reaped).toEqual({});
    expect((await w.deps.store.get(s.id))?.warned?.idle).toBeDefined();
    w.advance(60_000);
    expect((await reap(w.deps, { concurrency: 4 })).reaped).toEqual({ idle: 1 });
  });
});
