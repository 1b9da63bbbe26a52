import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { createDocumentClient } from '../../shared/adapters/dynamodb/dynamodb-client';
import { ensureSessionsTable } from '../../shared/adapters/dynamodb/dynamodb-table';
import { DynamoDbUserIds } from '../../shared/adapters/dynamodb/dynamodb-user-ids';
import { type EmbeddedDynamoDb, startEmbeddedDynamoDb } from '../../shared/adapters/dynamodb/embedded-dynamodb';
import { FolderHomes } from '../../shared/adapters/homes/folder-homes';
import { homesContract } from './homes.contract';

/* The Homes contract on one machine: a folder per user, ids in the table (EFS: efs-homes.moto.test.ts). */
let db: EmbeddedDynamoDb;
let homes: FolderHomes;
let client: ReturnType<typeof createDocumentClient>;
beforeAll(async () => {
  db = await startEmbeddedDynamoDb();
  client = createDocumentClient({ endpoint: db.endpoint, region: 'local' });
  await ensureSessionsTable(client, 'sessions');
  homes = new FolderHomes(
    join(mkdtempSync(join(tmpdir(), 'sp-homes-')), 'homes'),
    new DynamoDbUserIds(client, 'sessions'),
  );
}, 60_000);
afterAll(async () => {
  client?.destroy();
  await db?.close();
});

homesContract('FolderHomes (one machine)', () => homes);
