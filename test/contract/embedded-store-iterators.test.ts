import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AbstractLevel } from 'abstract-level';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDocumentClient } from '../../shared/adapters/dynamodb/dynamodb-client';
import { DynamoDbSessionStore } from '../../shared/adapters/dynamodb/dynamodb-session-store';
import { ensureSessionsTable } from '../../shared/adapters/dynamodb/dynamodb-table';
import { startEmbeddedDynamoDb, type EmbeddedDynamoDb } from '../../shared/adapters/dynamodb/embedded-dynamodb';
import { makeSession } from '../support/sessions';

/**
 * The embedded store closes every LevelDB iterator it opens (#13: each query left one attached
 * to the database, and the server's memory grew with every list request). Counts what abstract-level
 * attaches to and detaches from its databases while the store serves gets, lists and pages.
 */
describe.each([
  ['on disk (classic-level)', true],
  ['in memory (memory-level)', false],
])('embedded store %s', (_name, onDisk) => {
  let dir: string;
  let db: EmbeddedDynamoDb;
  let store: DynamoDbSessionStore;
  let client: ReturnType<typeof createDocumentClient>;
  const open = new Set<object>();
  const proto = AbstractLevel.prototype as unknown as {
    attachResource(r: object): void;
    detachResource(r: object): void;
  };
  const attach = proto.attachResource;
  const detach = proto.detachResource;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sp-iter-'));
    proto.attachResource = function (this: unknown, r: object) {
      open.add(r);
      return attach.call(this, r);
    };
    proto.detachResource = function (this: unknown, r: object) {
      open.delete(r);
      return detach.call(this, r);
    };
    db = await startEmbeddedDynamoDb(onDisk ? { path: join(dir, 'db') } : {});
    client = createDocumentClient({ endpoint: db.endpoint, region: 'local' });
    await ensureSessionsTable(client, 'sessions');
    store = new DynamoDbSessionStore(client, 'sessions');
    for (let i = 0; i < 30; i++) await store.create(makeSession({ owner: i % 2 ? 'alice' : 'bob' }));
  });
  afterAll(async () => {
    proto.attachResource = attach;
    proto.detachResource = detach;
    client.destroy();
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('leaves no iterator open after gets, full lists and paged lists', async () => {
    const before = open.size;
    for (let round = 0; round < 20; round++) {
      await store.listByOwner('alice');
      await store.listByOwner('bob', { limit: 5 });
      for await (const _ of store.listLive()) break; // a consumer that stops early
      await store.get(makeSession().id);
    }
    // Streams end on the next turns; give them a moment, then nothing of these 80 reads is left.
    await new Promise((r) => setTimeout(r, 100));
    expect(open.size - before).toBe(0);
  });
});
