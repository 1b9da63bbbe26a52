import { DynamoDbSessionStore } from '../../shared/adapters/dynamodb-session-store';
import { createDocumentClient } from '../../shared/adapters/dynamodb-client';
import { ensureSessionsTable } from '../../shared/adapters/dynamodb-table';
import { startEmbeddedDynamoDb } from '../../shared/adapters/embedded-dynamodb';
import { sessionStoreContract } from './session-store.contract';

sessionStoreContract('dynalite', async () => {
  const db = await startEmbeddedDynamoDb();
  const client = createDocumentClient({ endpoint: db.endpoint, region: 'local' });
  await ensureSessionsTable(client, 'sessions');
  return {
    store: new DynamoDbSessionStore(client, 'sessions'),
    teardown: async () => {
      client.destroy();
      await db.close();
    },
  };
});
