import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDocumentClient } from '../../../shared/adapters/dynamodb-client';
import { DynamoDbSessionStore } from '../../../shared/adapters/dynamodb-session-store';
import { ensureSessionsTable } from '../../../shared/adapters/dynamodb-table';
import { startEmbeddedDynamoDb, type EmbeddedDynamoDb } from '../../../shared/adapters/embedded-dynamodb';
import { NotifyingSessionStore } from '../../../shared/adapters/notifying-session-store';
import { transition } from '../../../shared/domain';
import { systemClock } from '../../../shared/ports';
import { awaitReady } from '../../../shared/services/await-ready';
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
    await store.transition(s, transition(s, 'READY', { runtime: { kind: 'local', runtimeId: 'r', endpoint: '127.0.0.1:1' } }, Date.now()));
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

  it('lets awaitReady return the READY record as soon as it is written', async () => {
    const s = makeSession({ status: 'STARTING' });
    await store.create(s);
    const ready = awaitReady({ store, clock: systemClock, changes: store }, s, Date.now() + HOUR);
    await new Promise((r) => setTimeout(r, 20));
    await store.transition(s, transition(s, 'READY', { runtime: { kind: 'local', runtimeId: 'r', endpoint: '127.0.0.1:1' } }, Date.now()));
    await expect(ready).resolves.toMatchObject({ id: s.id, status: 'READY' });
  });
});
