import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { inProcessDocumentClient } from '../../../shared/adapters/dynamodb/in-process-document-client';
import { DynamoDbSessionStore } from '../../../shared/adapters/dynamodb/dynamodb-session-store';
import { ensureSessionsTable } from '../../../shared/adapters/dynamodb/dynamodb-table';
import { startEmbeddedDynamoDb, type EmbeddedDynamoDb } from '../../../shared/adapters/dynamodb/embedded-dynamodb';
import { NotifyingSessionStore } from '../../../shared/adapters/in-process/notifying-session-store';
import type { Session } from '../../../shared/domain/session';
import { transition } from '../../../shared/domain/transitions';
import { makeSession } from '../../support/sessions';

const READY = {
  status: 'READY' as const,
  runtime: { kind: 'local' as const, runtimeId: 'r', endpoint: '127.0.0.1:1' },
};
const shareWith = (user: string) => ({
  id: 'a'.repeat(16),
  user,
  tokenHash: 'h',
  by: 'owner',
  createdAt: Date.now(),
});

describe('NotifyingSessionStore with cacheReads: lists read once, never behind a write', () => {
  let db: EmbeddedDynamoDb;
  let client: ReturnType<typeof inProcessDocumentClient>;
  let inner: DynamoDbSessionStore;
  let store: NotifyingSessionStore;
  const reads = { pages: 0, shared: 0 };

  beforeAll(async () => {
    db = await startEmbeddedDynamoDb();
    client = inProcessDocumentClient(db.handler);
    await ensureSessionsTable(client, 'sessions');
    inner = new DynamoDbSessionStore(client, 'sessions');
    const listByOwner = inner.listByOwner.bind(inner);
    inner.listByOwner = (...args) => {
      reads.pages++;
      return listByOwner(...args);
    };
    const listSharedWith = inner.listSharedWith.bind(inner);
    inner.listSharedWith = (...args) => {
      reads.shared++;
      return listSharedWith(...args);
    };
  });
  beforeEach(() => {
    store = new NotifyingSessionStore(inner, { cacheReads: true });
    reads.pages = 0;
    reads.shared = 0;
  });
  afterAll(async () => {
    client.destroy();
    await db.close();
  });

  const ids = async (owner: string) => (await store.listByOwner(owner)).items.map((s) => `${s.id}:${s.status}`);

  it("serves an owner's page again without a read; a write to one of theirs shows in the very next list, and leaves others' pages kept", async () => {
    const [a, b] = [makeSession({ owner: 'ann', ...READY }), makeSession({ owner: 'bob', ...READY })];
    await store.create(a);
    await store.create(b);
    expect(await ids('ann')).toEqual([`${a.id}:READY`]);
    expect(await ids('bob')).toEqual([`${b.id}:READY`]);
    await ids('ann');
    await ids('bob');
    expect(reads.pages).toBe(2);

    await store.transition(a, transition(a, 'STOPPING', {}, Date.now()));
    expect(await ids('ann')).toEqual([`${a.id}:STOPPING`]);
    expect(await ids('bob')).toEqual([`${b.id}:READY`]);
    expect(reads.pages).toBe(3); // ann's page read again, bob's still kept

    const later = makeSession({ owner: 'ann', createdAt: a.createdAt + 1000 });
    await store.create(later);
    expect(await ids('ann')).toEqual([`${later.id}:PENDING`, `${a.id}:STOPPING`]);
    await store.discard(later);
    expect(await ids('ann')).toEqual([`${a.id}:STOPPING`]);
  });

  it('keeps each page by its limit and cursor, and hands out frozen records', async () => {
    for (let i = 0; i < 3; i++) await store.create(makeSession({ owner: 'cat', createdAt: Date.now() + i }));
    const first = await store.listByOwner('cat', { limit: 2 });
    const second = await store.listByOwner('cat', { limit: 2, cursor: first.cursor! });
    expect([first.items.length, second.items.length]).toEqual([2, 1]);
    expect(await store.listByOwner('cat', { limit: 2, cursor: first.cursor! })).toBe(second);
    expect(reads.pages).toBe(2);
    expect(first.items.every((s) => Object.isFrozen(s) && Object.isFrozen(s.resources))).toBe(true);
  });

  it('does not keep a list a write overlapped', async () => {
    const s = makeSession({ owner: 'dan', status: 'STARTING' });
    await inner.create(s);
    const listing = store.listByOwner('dan'); // on its way: the old record
    await store.transition(s, transition(s, 'FAILED', { statusReason: 'launch-timeout' }, Date.now()));
    await listing;
    expect(await ids('dan')).toEqual([`${s.id}:FAILED`]);
  });

  it('an activity update of a session it has not seen drops every page (its owner is not known here)', async () => {
    const s = makeSession({ owner: 'eve', ...READY });
    await inner.create(s); // written behind its back, as by an earlier run
    await ids('eve');
    await store.recordActivity(s.id, s.createdAt + 5000);
    expect((await store.listByOwner('eve')).items[0]?.lastActivityAt).toBe(s.createdAt + 5000);
    expect(reads.pages).toBe(2);
  });

  it('serves what is shared with someone again without a read; a share given or taken shows at once', async () => {
    const s = makeSession({ owner: 'fay', ...READY });
    await store.create(s);
    expect(await store.listSharedWith(['user:gus'])).toEqual([]);
    // As the sharing service writes a grant: the same record with its shares and the next version.
    const shared: Session = { ...s, shares: [shareWith('gus')], version: s.version + 1 };
    const written = await store.transition(s, shared);
    expect((await store.listSharedWith(['user:gus'])).map((x) => x.id)).toEqual([s.id]);
    await store.listSharedWith(['user:gus']);
    expect(reads.shared).toBe(2);
    await store.transition(written, { ...written, shares: [], version: written.version + 1 });
    expect(await store.listSharedWith(['user:gus'])).toEqual([]);
  });
});
