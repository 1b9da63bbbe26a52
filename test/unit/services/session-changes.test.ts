import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inProcessDocumentClient } from '../../../shared/adapters/dynamodb/in-process-document-client';
import { createDocumentClient } from '../../../shared/adapters/dynamodb/dynamodb-client';
import { DynamoDbSessionStore } from '../../../shared/adapters/dynamodb/dynamodb-session-store';
import { ensureSessionsTable } from '../../../shared/adapters/dynamodb/dynamodb-table';
import { startEmbeddedDynamoDb, type EmbeddedDynamoDb } from '../../../shared/adapters/dynamodb/embedded-dynamodb';
import { NotifyingSessionStore } from '../../../shared/adapters/in-process/notifying-session-store';
import { transition } from '../../../shared/domain/transitions';
import { systemClock } from '../../../shared/ports/clock';
import { awaitReady } from '../../../shared/services/await-ready';
import { SessionLookup } from '../../../functions/router/session-lookup';
import { DynamoDbSessionEventLog } from '../../../shared/adapters/dynamodb/dynamodb-event-log';
import { NotifyingSessionEventLog } from '../../../shared/adapters/in-process/notifying-event-log';
import { newSessionId } from '../../../shared/domain/ids';
import { once } from '../../../shared/domain/events';
import { embeddedTable } from '../../support/table';
import { makeSession } from '../../support/sessions';

const HOUR = 3_600_000;

describe('NotifyingSessionStore: waiters wake on writes, not on a timer', () => {
  let db: EmbeddedDynamoDb;
  let client: ReturnType<typeof createDocumentClient>;
  let store: NotifyingSessionStore;

  beforeAll(async () => {
    db = await startEmbeddedDynamoDb();
    client = createDocumentClient({ endpoint: db.endpoint, region: 'local' });
    await ensureSessionsTable(client, 'sessions');
    store = new NotifyingSessionStore(new DynamoDbSessionStore(client, 'sessions'));
  });
  afterAll(async () => {
    client.destroy();
    await db.close();
  });

  it('resolves a waiter on a transition of its session, long before its timeout', async () => {
    const s = makeSession({ status: 'STARTING' });
    await store.create(s);
    const waited = store.next(s.id, HOUR);
    await store.transition(
      s,
      transition(s, 'READY', { runtime: { kind: 'local', runtimeId: 'r', endpoint: '127.0.0.1:1' } }, Date.now()),
    );
    await expect(waited).resolves.toBeUndefined();
  });

  it('leaves waiters on other sessions waiting, and times a waiter out when nothing changes', async () => {
    const a = makeSession({ status: 'STARTING' });
    const b = makeSession({ status: 'STARTING' });
    await Promise.all([store.create(a), store.create(b)]);
    let bWoke = false;
    void store.next(b.id, 300).then(() => (bWoke = true));
    const t0 = Date.now();
    await store.transition(a, transition(a, 'FAILED', { statusReason: 'launch-timeout' }, Date.now()));
    expect(bWoke).toBe(false);
    await store.next(b.id, 200);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(190);
  });

  it('tells change listeners of creates and transitions, not of activity', async () => {
    const seen: string[] = [];
    const off = store.onChange((id) => seen.push(id));
    const s = makeSession({ status: 'READY', runtime: { kind: 'local', runtimeId: 'r', endpoint: '127.0.0.1:1' } });
    await store.create(s);
    await store.recordActivity(s.id, Date.now());
    await store.transition(s, transition(s, 'STOPPING', {}, Date.now()));
    off();
    await store.transition((await store.get(s.id))!, transition((await store.get(s.id))!, 'STOPPED', {}, Date.now()));
    expect(seen).toEqual([s.id, s.id]);
  });

  it("lets awaitReady wait on the store's word, not a timer, and return the READY record", async () => {
    const s = makeSession({ status: 'STARTING' });
    await store.create(s);
    let waits = 0;
    const changes = {
      // Each wait as long as it takes: only the store's word can end it (a loaded machine can outlast
      // awaitReady's own first 50 ms, which would count a second wait without saying anything).
      next: (id: string) => {
        waits++;
        return store.next(id, HOUR);
      },
      onChange: store.onChange.bind(store),
    };
    const ready = awaitReady({ store, clock: systemClock, changes }, s, Date.now() + HOUR);
    await new Promise((r) => setTimeout(r, 20));
    await store.transition(
      s,
      transition(s, 'READY', { runtime: { kind: 'local', runtimeId: 'r', endpoint: '127.0.0.1:1' } }, Date.now()),
    );
    await expect(ready).resolves.toMatchObject({ id: s.id, status: 'READY' });
    expect(waits).toBe(1); // one wait, ended by the write
  });

  it("clears the router's lookup cache on a write: a stop is seen at once, not after the cache period", async () => {
    const s = makeSession({ status: 'READY', runtime: { kind: 'local', runtimeId: 'r', endpoint: '127.0.0.1:1' } });
    await store.create(s);
    const lookup = new SessionLookup(store, systemClock, HOUR, store);
    expect((await lookup.get(s.id))?.status).toBe('READY');
    await store.transition(s, transition(s, 'STOPPING', {}, Date.now()));
    expect((await lookup.get(s.id))?.status).toBe('STOPPING');
    // Without the store's word, the hour-long cache would still say READY.
    const deaf = new SessionLookup(store, systemClock, HOUR);
    const t = (await store.get(s.id))!;
    expect((await deaf.get(s.id))?.status).toBe('STOPPING');
    await store.transition(t, transition(t, 'STOPPED', {}, Date.now()));
    expect((await deaf.get(s.id))?.status).toBe('STOPPING');
  });

  it('reads a session once for a burst of lookups (a client opening 20 sockets at once)', async () => {
    const s = makeSession({ status: 'READY', runtime: { kind: 'local', runtimeId: 'r', endpoint: '127.0.0.1:1' } });
    await store.create(s);
    let reads = 0;
    const counting = {
      get: (id: string) => {
        reads++;
        return store.get(id);
      },
    } as unknown as typeof store;
    const lookup = new SessionLookup(counting, systemClock, 0);
    const found = await Promise.all(Array.from({ length: 20 }, () => lookup.get(s.id)));
    expect(found.every((f) => f?.id === s.id)).toBe(true);
    expect(reads).toBe(1);
    // Once answered, the next lookup (the cache period is 0 here) reads again.
    await lookup.get(s.id);
    expect(reads).toBe(2);
  });
});

describe('NotifyingSessionStore with cacheReads: reads without a round trip, never behind a write', () => {
  let db: EmbeddedDynamoDb;
  let client: ReturnType<typeof createDocumentClient>;
  let inner: DynamoDbSessionStore;
  let gets = 0;
  let store: NotifyingSessionStore;

  beforeAll(async () => {
    db = await startEmbeddedDynamoDb();
    client = createDocumentClient({ endpoint: db.endpoint, region: 'local' });
    await ensureSessionsTable(client, 'sessions');
    inner = new DynamoDbSessionStore(client, 'sessions');
    const get = inner.get.bind(inner);
    inner.get = (id) => {
      gets++;
      return get(id);
    };
    store = new NotifyingSessionStore(inner, { cacheReads: true });
  });
  afterAll(async () => {
    client.destroy();
    await db.close();
  });

  it('answers repeated gets from what it wrote, and shows a stop at once', async () => {
    const s = makeSession({ status: 'READY', runtime: { kind: 'local', runtimeId: 'r', endpoint: '127.0.0.1:1' } });
    await store.create(s);
    gets = 0;
    for (let i = 0; i < 5; i++) expect((await store.get(s.id))?.status).toBe('READY');
    expect(gets).toBe(0);
    await store.transition(s, transition(s, 'STOPPING', {}, Date.now()));
    expect((await store.get(s.id))?.status).toBe('STOPPING');
    expect(gets).toBe(0);
  });

  it('reads a record it has not seen once, then from the cache; an activity update makes it read again', async () => {
    const s = makeSession({ status: 'READY', runtime: { kind: 'local', runtimeId: 'r', endpoint: '127.0.0.1:1' } });
    await inner.create(s); // written behind its back, as by an earlier run
    gets = 0;
    await store.get(s.id);
    await store.get(s.id);
    expect(gets).toBe(1);
    await store.recordActivity(s.id, s.createdAt + 5000);
    expect((await store.get(s.id))?.lastActivityAt).toBe(s.createdAt + 5000);
    expect(gets).toBe(2);
  });

  it('does not cache a read that a write overlapped', async () => {
    const s = makeSession({ status: 'STARTING' });
    await inner.create(s);
    const reading = store.get(s.id); // on its way: the old record
    await store.transition(s, transition(s, 'FAILED', { statusReason: 'launch-timeout' }, Date.now()));
    await reading;
    expect((await store.get(s.id))?.status).toBe('FAILED');
  });

  it('drops a record whose write lost a race, and reads the winner', async () => {
    const s = makeSession({ status: 'STARTING' });
    await store.create(s);
    await inner.transition(s, transition(s, 'FAILED', { statusReason: 'lost' }, Date.now())); // another writer won
    await expect(
      store.transition(
        s,
        transition(s, 'READY', { runtime: { kind: 'local', runtimeId: 'r', endpoint: '1:1' } }, Date.now()),
      ),
    ).rejects.toThrow();
    expect((await store.get(s.id))?.status).toBe('FAILED');
  });

  it('keeps only live records: an ended session is read from the store, so the cache holds what runs', async () => {
    const s = makeSession({ status: 'STARTING' });
    await store.create(s);
    await store.transition(s, transition(s, 'FAILED', { statusReason: 'launch-timeout' }, Date.now()));
    gets = 0;
    expect((await store.get(s.id))?.status).toBe('FAILED');
    expect((await store.get(s.id))?.status).toBe('FAILED');
    expect(gets).toBe(2);
  });

  it('hands out frozen records, so no caller can change what the next one reads', async () => {
    const s = makeSession();
    await store.create(s);
    const got = (await store.get(s.id))!;
    expect(Object.isFrozen(got) && Object.isFrozen(got.resources)).toBe(true);
  });
});

describe('NotifyingSessionStore with cacheReads: knows when no session is queued', () => {
  let db: EmbeddedDynamoDb;
  let client: ReturnType<typeof createDocumentClient>;
  let inner: DynamoDbSessionStore;
  let store: NotifyingSessionStore;
  beforeAll(async () => {
    db = await startEmbeddedDynamoDb();
    client = inProcessDocumentClient(db.handler);
    await ensureSessionsTable(client, 'sessions');
    inner = new DynamoDbSessionStore(client, 'sessions');
    store = new NotifyingSessionStore(inner, { cacheReads: true });
  });
  afterAll(async () => {
    client.destroy();
    await db.close();
  });
  /** Reads `of`'s whole live listing (the store's own by default). */
  const listAll = async (of: NotifyingSessionStore = store) => {
    for await (const _ of of.listLive());
  };

  it('may have some until a whole listing says; then each write keeps it exact; only a PENDING record is discarded', async () => {
    const waiting = makeSession({ status: 'QUEUED' });
    await inner.create(waiting); // written behind its back, as by an earlier run
    expect(store.mayHaveQueued()).toBe(true);
    await listAll();
    expect(store.mayHaveQueued()).toBe(true); // it saw the queued one
    await store.transition(waiting, transition(waiting, 'PENDING', {}, Date.now()));
    expect(store.mayHaveQueued()).toBe(false);
    const next = makeSession({ status: 'QUEUED' });
    await store.create(next);
    expect(store.mayHaveQueued()).toBe(true);
    // Only a PENDING record is discarded: a queued one stays, and so does the word that one may be queued.
    expect(await store.discard(next)).toBe(false);
    expect(store.mayHaveQueued()).toBe(true);
    expect(await store.discard(await store.transition(next, transition(next, 'PENDING', {}, Date.now())))).toBe(true);
    expect(store.mayHaveQueued()).toBe(false);

    // A listing that began before a write and ended after it keeps what the writes said.
    const third = makeSession({ status: 'QUEUED' });
    const listing = listAll();
    await store.create(third);
    await listing;
    expect(store.mayHaveQueued()).toBe(true);
    await store.transition(third, transition(third, 'PENDING', {}, Date.now()));
    expect(store.mayHaveQueued()).toBe(false);
    // A write that fails (the record was changed elsewhere) may have left one queued: a pass more, never one missed.
    const fourth = makeSession({ status: 'PENDING' });
    await inner.create({ ...fourth, status: 'QUEUED' });
    await expect(store.transition(fourth, transition(fourth, 'STARTING', {}, Date.now()))).rejects.toThrow();
    expect(store.mayHaveQueued()).toBe(true);
  });

  it('learns it from a listing that writes overlapped, taking their word for what they wrote (#39)', async () => {
    // A store that has not yet seen a whole listing, on a server as busy as the one whose every session end listed
    // every live session: each listing below has writes beside it.
    await ensureSessionsTable(client, 'busy');
    const busy = new NotifyingSessionStore(new DynamoDbSessionStore(client, 'busy'), { cacheReads: true });
    const seenQueued = makeSession({ status: 'QUEUED' });
    await busy.create(seenQueued);
    const others = Array.from({ length: 3 }, () => makeSession());
    const listing = listAll(busy);
    // Beside the listing: one it may have seen queued leaves the queue, others are written that never were queued.
    await Promise.all([
      busy.transition(seenQueued, transition(seenQueued, 'PENDING', {}, Date.now())),
      ...others.map((o) => busy.create(o)),
    ]);
    await listing;
    expect(busy.mayHaveQueued()).toBe(false);
    // One written QUEUED beside a listing that may not have seen it: known queued.
    const unseen = makeSession({ status: 'QUEUED' });
    const second = listAll(busy);
    await busy.create(unseen);
    await second;
    expect(busy.mayHaveQueued()).toBe(true);
    await busy.transition(unseen, transition(unseen, 'FAILED', {}, Date.now()));
    expect(busy.mayHaveQueued()).toBe(false);
    // A lost race at the end of a session that had started (two writers stopping it) cannot leave it queued: no pass.
    const started = makeSession({ status: 'READY' });
    await busy.create(started);
    await busy.transition(started, transition(started, 'STOPPING', {}, Date.now()));
    await expect(busy.transition(started, transition(started, 'STOPPED', {}, Date.now()))).rejects.toThrow();
    expect(busy.mayHaveQueued()).toBe(false);
    // One that had not (PENDING) may have been queued meanwhile: a pass more.
    const pending = makeSession({ status: 'PENDING' });
    await busy.create(pending);
    await busy.transition(pending, transition(pending, 'QUEUED', {}, Date.now()));
    await busy.transition(pending, transition(pending, 'STARTING', {}, Date.now())).catch(() => undefined);
    expect(busy.mayHaveQueued()).toBe(true);
  });
});

describe('NotifyingSessionEventLog: reads from what it wrote, never behind an append', () => {
  let db: EmbeddedDynamoDb;
  let inner: DynamoDbSessionEventLog;
  beforeAll(async () => {
    const table = await embeddedTable();
    db = table.db;
    inner = new DynamoDbSessionEventLog(table.client, 'sessions');
  });
  afterAll(async () => db.close());

  it('sees every event of appends racing each other and a read, and serves a settled log without a store read', async () => {
    const log = new NotifyingSessionEventLog(inner);
    const id = newSessionId();
    await log.append(id, [once('requested', 1, 'r')]);
    await log.list(id); // now kept
    const phases = ['placed', 'network', 'pulling', 'pulled', 'started'] as const;
    await Promise.all([...phases.map((p, i) => log.append(id, [once(p, i + 2, p)])), log.list(id)]);
    expect((await log.list(id)).map((e) => e.phase).sort()).toEqual([
      'network',
      'placed',
      'pulled',
      'pulling',
      'requested',
      'started',
    ]);
    let reads = 0;
    const list = inner.list.bind(inner);
    inner.list = (...args) => {
      reads++;
      return list(...args);
    };
    await log.append(id, [once('ready', 9, 'ready')]);
    expect((await log.list(id)).map((e) => e.id)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(reads).toBeLessThanOrEqual(1);
    inner.list = list;
  });
});
