import { createDocumentClient } from '../../shared/adapters/dynamodb/dynamodb-client';
import { ensureSessionsTable } from '../../shared/adapters/dynamodb/dynamodb-table';
import { startEmbeddedDynamoDb } from '../../shared/adapters/dynamodb/embedded-dynamodb';
import { sessionStoreContract } from './session-store.contract';
import { storeWithNeighbours } from './table-neighbours';

sessionStoreContract('dynalite', async () => {
  const db = await startEmbeddedDynamoDb();
  const client = createDocumentClient({ endpoint: db.endpoint, region: 'local' });
  await ensureSessionsTable(client, 'sessions');
  return {
    ...storeWithNeighbours(client, 'sessions'),
    teardown: async () => {
      client.destroy();
      await db.close();
    },
  };
});
