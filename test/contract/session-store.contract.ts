import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConflictError } from '../../shared/domain/errors';
import { transition } from '../../shared/domain/transitions';
import type { Session } from '../../shared/domain/session';
import type { SessionStore } from '../../shared/ports/session-store';
import { hashToken } from '../../shared/domain/ids';
import { makeSession } from '../support/sessions';

/** Other kinds of record in the store's table, where it shares one (the DynamoDB adapters). */
export interface TableNeighbours {
  /** Writes `owner`'s uid record and an unreadable session record of theirs; the latter's id. */
  add(owner: string): Promise<{ corruptId: string }>;
  /** The keys the store said it skipped. */
  skipped: string[];
}

/**
 * The SessionStore contract. Every adapter runs it from a small test file that says how to make a
 * fresh store.
 */
export function sessionStoreContract(
  name: string,
  setup: () => Promise<{ store: SessionStore; teardown(): Promise<void>; neighbours?: TableNeighbours }>,
): void {
  describe(`SessionStore contract: ${name}`, () => {
    let store: SessionStore;
    let teardown: () => Promise<void>;
    let neighbours: TableNeighbours | undefined;
    beforeAll(async () => {
      ({ store, teardown, neighbours } = await setup());
    });
    afterAll(async () => teardown?.());

    const collectLive = async () => {
      const ids: string[] = [];
      for await (const s of store.listLive()) ids.push(s.id);
      return ids;
    };

    it('creates a record and reads it back unchanged', async () => {
      const s = makeSession({ params: { MODE: 'fast' }, statusReason: undefined });
      await store.create(s);
      expect(await store.get(s.id)).toEqual(s);
    });

    it('refuses to create the same id twice, with a conflict carrying the stored record', async () => {
      const s = makeSession();
      await store.create(s);
      const error = await store.create({ ...s, name: 'other' }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConflictError);
      expect((error as ConflictError<Session>).current?.name).toBe('test');
    });

    it('lists only sessions: a uid record in the owner index is no session, an unreadable record is skipped and told (#33)', async (ctx) => {
      if (!neighbours) return ctx.skip();
      const owner = `uid-${Date.now()}`;
      const s = makeSession({ owner });
      await store.create(s);
      const { corruptId } = await neighbours.add(owner);
      expect((await store.listByOwner(owner)).items.map((x) => x.id)).toEqual([s.id]);
      const live = await collectLive();
      expect(live).toContain(s.id);
      expect(live).not.toContain(corruptId);
      expect(neighbours.skipped).toContain(corruptId);
    });

    it('returns undefined for an unknown id', async () => {
      expect(await store.get('0'.repeat(32))).toBeUndefined();
    });

    it('applies a transition conditional on status and version', async () => {
      const s = makeSession();
      await store.create(s);
      const starting = await store.transition(
        s,
        transition(
          s,
          'STARTING',
          { runtime: { kind: 'local', runtimeId: 'r1', endpoint: '127.0.0.1:9001' } },
          s.createdAt + 10,
        ),
      );
      expect(starting).toMatchObject({ status: 'STARTING', version: 2, runtime: { runtimeId: 'r1' } });
      const ready = await store.transition(starting, transition(starting, 'READY', {}, s.createdAt + 20));
      expect(ready).toMatchObject({
        status: 'READY',
        version: 3,
        readyAt: s.createdAt + 20,
        lastActivityAt: s.createdAt + 20,
      });
      expect(await store.get(s.id)).toEqual(ready);
    });

    it('makes a stale transition a conflict that carries the current record, and changes nothing', async () => {
      const s = makeSession();
      await store.create(s);
      const moved = await store.transition(s, transition(s, 'STARTING', {}, s.createdAt));
      const error = await store
        .transition(s, transition(s, 'FAILED', { statusReason: 'x' }, s.createdAt))
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConflictError);
      expect((error as ConflictError<Session>).current).toEqual(moved);
      expect(await store.get(s.id)).toEqual(moved);
    });

    it('lets exactly one of two concurrent transitions of one session win', async () => {
      for (let round = 0; round < 5; round++) {
        const s = makeSession();
        await store.create(s);
        const results = await Promise.allSettled([
          store.transition(s, transition(s, 'STARTING', {}, s.createdAt)),
          store.transition(s, transition(s, 'STOPPING', { statusReason: 'user' }, s.createdAt)),
        ]);
        const won = results.filter((r) => r.status === 'fulfilled');
        const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
        expect(won).toHaveLength(1);
        expect(lost).toHaveLength(1);
        expect(lost[0]!.reason).toBeInstanceOf(ConflictError);
        const stored = await store.get(s.id);
        expect(stored?.version).toBe(2);
        expect(stored?.status).toBe((won[0] as PromiseFulfilledResult<Session>).value.status);
      }
    });

    it('removes fields a transition clears', async () => {
      const s = makeSession({ statusReason: 'waiting' });
      await store.create(s);
      const next = transition(s, 'STARTING', {}, s.createdAt);
      delete next.statusReason;
      await store.transition(s, next);
      expect((await store.get(s.id))?.statusReason).toBeUndefined();
    });

    it("lists an owner's sessions newest first, with paging", async () => {
      const owner = `owner-${Math.random().toString(36).slice(2)}`;
      const made = [];
      for (let i = 0; i < 5; i++) {
        const s = makeSession({ owner, createdAt: 1_000_000 + i });
        await store.create(s);
        made.push(s.id);
      }
      await store.create(makeSession({ owner: `${owner}-other` }));
      const first = await store.listByOwner(owner, { limit: 3 });
      expect(first.items.map((s) => s.id)).toEqual(made.slice().reverse().slice(0, 3));
      expect(first.cursor).toBeDefined();
      const second = await store.listByOwner(owner, { limit: 3, cursor: first.cursor! });
      expect(second.items.map((s) => s.id)).toEqual(made.slice().reverse().slice(3));
    });

    it('refuses a cursor that is not one of this listing, without asking the database', async () => {
      const forged = Buffer.from(JSON.stringify({ id: 'x' })).toString('base64url');
      const otherOwners = Buffer.from(JSON.stringify({ id: 'x', owner: 'mallory', createdAt: 1 })).toString(
        'base64url',
      );
      for (const cursor of [forged, otherOwners, 'not base64 json', '']) {
        await expect(store.listByOwner('alice', { cursor })).rejects.toMatchObject({ code: 'request.invalid' });
      }
    });

    it('lists live sessions through the live index, and drops them when final', async () => {
      const live = makeSession();
      const ending = makeSession();
      await store.create(live);
      await store.create(ending);
      const ended = await store.transition(
        ending,
        transition(ending, 'FAILED', { statusReason: 'start-failed' }, ending.createdAt),
      );
      expect(ended.ttl).toBeGreaterThan(0);
      const ids = await collectLive();
      expect(ids).toContain(live.id);
      expect(ids).not.toContain(ending.id);
    });

    it('lists the queue apart from the running: QUEUED ones and those taken from it, until they have an instance; all live', async () => {
      const listed = async (listing: AsyncIterable<Session>) => {
        const ids: string[] = [];
        for await (const s of listing) ids.push(s.id);
        return ids;
      };
      const waiting = makeSession({ status: 'QUEUED', queue: { since: 1_000, class: 'batch' } });
      const running = makeSession({ status: 'READY', runtime: { kind: 'process', runtimeId: '1' } });
      await store.create(waiting);
      await store.create(running);
      expect(await listed(store.listQueued())).toContain(waiting.id);
      expect(await listed(store.listQueued())).not.toContain(running.id);
      // Taken by a dispatcher: still the queue's (it may go back), until it starts.
      const taken = await store.transition(
        waiting,
        transition(waiting, 'PENDING', { queue: { ...waiting.queue!, left: 2_000 } }, 2_000),
      );
      expect(await listed(store.listQueued())).toContain(taken.id);
      const started = await store.transition(
        taken,
        transition(taken, 'STARTING', { runtime: { kind: 'process', runtimeId: '2' } }, 2_100),
      );
      expect(await listed(store.listQueued())).not.toContain(started.id);
      const live = await collectLive();
      expect(live).toContain(started.id);
      expect(live).toContain(running.id);
      // Queued and live at once: a live listing holds the queue too.
      const another = makeSession({ status: 'QUEUED', queue: { since: 3_000, class: 'interactive' } });
      await store.create(another);
      expect(await collectLive()).toContain(another.id);
    });

    it("keeps each queue class's latest departures (its pace), a bounded number of them", async () => {
      expect(await store.queueDepartures('interactive')).toEqual([]);
      await store.noteQueueDepartures('batch', [1, 2]);
      await store.noteQueueDepartures('batch', [3]);
      expect(await store.queueDepartures('batch')).toEqual([1, 2, 3]);
      expect(await store.queueDepartures('interactive')).toEqual([]);
      for (let i = 0; i < 5; i++)
        await store.noteQueueDepartures(
          'interactive',
          Array.from({ length: 40 }, (_, j) => 10_000 + i * 40 + j),
        );
      const kept = await store.queueDepartures('interactive');
      expect(kept.length).toBeLessThanOrEqual(128);
      expect(kept.length).toBeGreaterThanOrEqual(64);
      expect(kept.at(-1)).toBe(10_199);
      expect(kept).toEqual([...kept].sort((a, b) => a - b));
    });

    it('finds the sessions shared with a user or their group through the grantee index, until the share goes or the session ends', async () => {
      const tag = Math.random().toString(36).slice(2);
      const [bob, viz, carol] = [`user:bob-${tag}`, `group:viz-${tag}`, `user:carol-${tag}`];
      const share = (id: string, who: { user?: string; group?: string }) => ({
        id,
        tokenHash: hashToken(id),
        by: 'alice',
        createdAt: 1,
        ...who,
      });
      const s = makeSession({ status: 'READY' });
      const other = makeSession({ status: 'READY' });
      await store.create(s);
      await store.create(other);
      const shared = await store.transition(s, {
        ...s,
        shares: [share('a'.repeat(16), { user: `bob-${tag}` }), share('b'.repeat(16), { group: `viz-${tag}` })],
        version: 2,
      });
      const ids = async (...keys: string[]) => (await store.listSharedWith(keys)).map((x) => x.id);
      expect(await ids(bob)).toEqual([s.id]);
      expect(await ids(viz)).toEqual([s.id]);
      expect(await ids(bob, viz)).toEqual([s.id]);
      expect(await ids(carol)).toEqual([]);
      expect((await store.listSharedWith([bob]))[0]).toEqual(shared);
      // The index's pointers are not sessions: no owner's list and no live listing has them.
      expect(
        (await collectLive()).filter((id) => id !== s.id && id !== other.id && !/^[0-9a-f]{32}$/.test(id)),
      ).toEqual([]);
      expect((await store.listByOwner('alice', { limit: 1000 })).items.every((x) => /^[0-9a-f]{32}$/.test(x.id))).toBe(
        true,
      );
      // Bob's share revoked: he no longer finds it; the group still does, until the session ends.
      const revoked = await store.transition(shared, { ...shared, shares: shared.shares!.slice(1), version: 3 });
      expect(await ids(bob)).toEqual([]);
      expect(await ids(viz)).toEqual([s.id]);
      await store.transition(revoked, transition(revoked, 'STOPPED', { statusReason: 'user' }, revoked.createdAt + 1));
      expect(await ids(bob, viz)).toEqual([]);
    });

    it('records activity only forward, and never on a final session', async () => {
      const s = makeSession();
      await store.create(s);
      await store.recordActivity(s.id, 5_000);
      await store.recordActivity(s.id, 4_000);
      expect((await store.get(s.id))?.lastActivityAt).toBe(5_000);
      const cur = (await store.get(s.id))!;
      await store.transition(cur, transition(cur, 'STOPPED', { statusReason: 'user' }, 6_000));
      await store.recordActivity(s.id, 7_000);
      expect((await store.get(s.id))?.lastActivityAt).toBe(5_000);
      await store.recordActivity('f'.repeat(32), 7_000);
      expect(await store.get('f'.repeat(32))).toBeUndefined();
    });

    it('does not let a transition overwrite newer activity', async () => {
      const s = makeSession({ status: 'READY', lastActivityAt: 100 });
      await store.create(s);
      await store.recordActivity(s.id, 900);
      const next = await store.transition(s, transition(s, 'STOPPING', { statusReason: 'idle' }, 500));
      expect(next.status).toBe('STOPPING');
      expect((await store.get(s.id))?.lastActivityAt).toBe(900);
    });
  });
}
