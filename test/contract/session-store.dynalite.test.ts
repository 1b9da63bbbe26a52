import { inProcessDocumentClient } from '../../shared/adapters/dynamodb/in-process-document-client';
import { createDocumentClient } from '../../shared/adapters/dynamodb/dynamodb-client';
import { ensureSessionsTable } from '../../shared/adapters/dynamodb/dynamodb-table';
import { startEmbeddedDynamoDb } from '../../shared/adapters/dynamodb/embedded-dynamodb';
import { sessionStoreContract } from './session-store.contract';
import { storeWithNeighbours } from './table-neighbours';

// The embedded store both ways it is reached: over its loopback HTTP door (other processes, tools) and in this
// process (the local server's own clients: no socket, no signature, none of the SDK's path).
for (const door of ['http', 'in-process'] as const) {
  sessionStoreContract(`dynalite (${door})`, async () => {
    const db = await startEmbeddedDynamoDb();
    const client =
      door === 'http'
        ? createDocumentClient({ endpoint: db.endpoint, region: 'local' })
        : inProcessDocumentClient(db.handler);
    await ensureSessionsTable(client, 'sessions');
    return {
      ...storeWithNeighbours(client, 'sessions'),
      teardown: async () => {
        client.destroy();
        await db.close();
      },
    };
  });
}
