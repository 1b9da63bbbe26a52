import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDocumentClient } from '../../../shared/adapters/dynamodb/dynamodb-client';
import { DynamoDbQuotaStore } from '../../../shared/adapters/dynamodb/dynamodb-quota-store';
import { DynamoDbSessionStore } from '../../../shared/adapters/dynamodb/dynamodb-session-store';
import { ensureSessionsTable } from '../../../shared/adapters/dynamodb/dynamodb-table';
import { startEmbeddedDynamoDb, type EmbeddedDynamoDb } from '../../../shared/adapters/dynamodb/embedded-dynamodb';
import { transition } from '../../../shared/domain/transitions';
import { systemClock } from '../../../shared/ports/clock';
import { withQueuePlace } from '../../../shared/services/queue';
import { makeSession } from '../../support/sessions';
import { loadFunctionEnv } from '../../../shared/config/lambda-env';
import { PolicyEnvSchema, policyFrom } from '../../../shared/config/policy';

/*
 * A queued session's view (GET /sessions/{id}): found by the model-based test (#37's queue in it), a view read QUEUED
 * with no place: the record was read, then a dispatcher pass claimed it before the queue was listed.
 */
describe('a queued session with its place', () => {
  let db: EmbeddedDynamoDb;
  let client: ReturnType<typeof createDocumentClient>;
  let deps: Parameters<typeof withQueuePlace>[0];

  beforeAll(async () => {
    db = await startEmbeddedDynamoDb();
    client = createDocumentClient({ endpoint: db.endpoint, region: 'local' });
    await ensureSessionsTable(client, 'sessions');
    deps = {
      store: new DynamoDbSessionStore(client, 'sessions'),
      quotas: new DynamoDbQuotaStore(client, 'sessions', () => Date.now()),
      clock: systemClock,
    };
  });
  afterAll(async () => {
    client.destroy();
    await db.close();
  });

  const queued = () =>
    makeSession({ status: 'QUEUED', kind: 'job', queue: { since: Date.now(), class: 'batch', priority: 0 } });

  it('tells one that waits its place', async () => {
    const waiting = queued();
    await deps.store.create(waiting);
    const { session, queue } = await withQueuePlace(deps, waiting);
    expect(session.status).toBe('QUEUED');
    expect(queue).toMatchObject({ place: 1, of: 1 });
    await deps.store.transition(waiting, transition(waiting, 'STOPPED', { statusReason: 'user' }, Date.now()));
  });

  it('shows one that left the queue after it was read as it is now, never queued with no place', async () => {
    const read = queued();
    await deps.store.create(read);
    // A dispatcher pass claims it between the read and the queue's listing.
    const claimed = await deps.store.transition(read, transition(read, 'PENDING', {}, Date.now()));
    const { session, queue } = await withQueuePlace(deps, read);
    expect(queue).toBeUndefined();
    expect(session.status).toBe('PENDING');
    expect(session.version).toBe(claimed.version);
  });

  it('tells places from the order it read a moment ago where it may (AWS), never missing one queued since', async () => {
    await ensureSessionsTable(client, 'kept');
    const store = new DynamoDbSessionStore(client, 'kept');
    let listings = 0;
    const listQueued = store.listQueued.bind(store);
    store.listQueued = () => {
      listings++;
      return listQueued();
    };
    let now = Date.now();
    const kept = {
      store,
      quotas: new DynamoDbQuotaStore(client, 'kept', () => now),
      clock: { now: () => now },
      policy: { queue: { max: 100, waitMs: { interactive: 60_000, batch: 60_000 }, placeCacheMs: 5_000 } },
    };
    const first = queued();
    await store.create(first);
    expect((await withQueuePlace(kept, first)).queue).toMatchObject({ place: 1, of: 1 });
    expect((await withQueuePlace(kept, first)).queue).toMatchObject({ place: 1, of: 1 });
    expect(listings).toBe(1);
    // One queued since the order was read is not in it: looked for in a fresh read, and told its place.
    const second = queued();
    await store.create(second);
    expect((await withQueuePlace(kept, second)).queue).toMatchObject({ place: 2, of: 2 });
    expect(listings).toBe(2);
    // Past the keeping time, read again.
    now += 5_000;
    expect((await withQueuePlace(kept, first)).queue).toMatchObject({ place: 1, of: 2 });
    expect(listings).toBe(3);
    // With no keeping time (one machine): every answer reads the queue.
    const exact = { ...kept, policy: {} };
    await withQueuePlace(exact, first);
    await withQueuePlace(exact, first);
    expect(listings).toBe(5);
  });
});

describe('how long a place may be told from a kept order', () => {
  const apiEnv = {
    SESSIONPLANE_TABLE: 'sessions',
    AWS_REGION: 'us-east-1',
    SESSIONPLANE_APPS: 'apps.json',
    SESSIONPLANE_LOG_GROUP_PREFIX: '/sessionplane/sessions/',
    SESSIONPLANE_PUBLIC_URL: 'https://sessions.example.org',
    SESSIONPLANE_JWT_ISSUER: 'https://issuer.example.org',
    SESSIONPLANE_JWT_AUDIENCE: 'sessionplane',
    SESSIONPLANE_TOKEN_KEY: 'a'.repeat(64),
  };
  it('is 5 s in the AWS API functions, 0 (every answer reads the queue) on one machine, and may be set', () => {
    expect(policyFrom(loadFunctionEnv('api-read', apiEnv)).policy.queue?.placeCacheMs).toBe(5_000);
    expect(policyFrom(PolicyEnvSchema.parse({})).policy.queue?.placeCacheMs).toBe(0);
    const set = { ...apiEnv, SESSIONPLANE_QUEUE_PLACE_CACHE: '0' };
    expect(policyFrom(loadFunctionEnv('api-read', set)).policy.queue?.placeCacheMs).toBe(0);
  });
});
