import { afterAll, beforeAll } from 'vitest';
import { inProcessDocumentClient } from '../../shared/adapters/dynamodb/in-process-document-client';
import type { createDocumentClient } from '../../shared/adapters/dynamodb/dynamodb-client';
import { DynamoDbSessionEventLog } from '../../shared/adapters/dynamodb/dynamodb-event-log';
import { DynamoDbPoolStore } from '../../shared/adapters/dynamodb/dynamodb-pool-store';
import { ensureSessionsTable } from '../../shared/adapters/dynamodb/dynamodb-table';
import { type EmbeddedDynamoDb, startEmbeddedDynamoDb } from '../../shared/adapters/dynamodb/embedded-dynamodb';
import { CachedPoolStore } from '../../shared/adapters/in-process/cached-pool-store';
import { NotifyingSessionEventLog } from '../../shared/adapters/in-process/notifying-event-log';
import { poolStoreContract } from './pool-store.contract';
import { sessionEventLogContract } from './session-event-log.contract';

/*
 * The event log's and the pool store's contracts, run by each of their adapters: the DynamoDB ones
 * (dynalite here, reached in this process as the local server reaches it; event-log.test.ts runs the
 * log on DynamoDB Local and over dynalite's HTTP door too) and the local server's in-process decorators over them.
 */
let db: EmbeddedDynamoDb;
let client: ReturnType<typeof createDocumentClient>;
const adapters = {} as {
  events: DynamoDbSessionEventLog;
  notifying: NotifyingSessionEventLog;
  pools: DynamoDbPoolStore;
  cached: CachedPoolStore;
};
beforeAll(async () => {
  db = await startEmbeddedDynamoDb();
  client = inProcessDocumentClient(db.handler);
  await ensureSessionsTable(client, 'sessions');
  adapters.events = new DynamoDbSessionEventLog(client, 'sessions');
  adapters.notifying = new NotifyingSessionEventLog(new DynamoDbSessionEventLog(client, 'sessions'));
  adapters.pools = new DynamoDbPoolStore(client, 'sessions');
  // The cache assumes it is its store's only writer: it gets a table of its own.
  await ensureSessionsTable(client, 'cached');
  adapters.cached = new CachedPoolStore(new DynamoDbPoolStore(client, 'cached'));
}, 60_000);
afterAll(async () => {
  client?.destroy();
  await db?.close();
});

sessionEventLogContract('DynamoDbSessionEventLog (dynalite)', () => adapters.events);
sessionEventLogContract('NotifyingSessionEventLog over DynamoDB (the local server)', () => adapters.notifying);
poolStoreContract('DynamoDbPoolStore (dynalite)', () => adapters.pools);
poolStoreContract('CachedPoolStore over DynamoDB (the local server)', () => adapters.cached);
