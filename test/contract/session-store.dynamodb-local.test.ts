import { describe, it } from 'vitest';
import { createDocumentClient } from '../../shared/adapters/dynamodb/dynamodb-client';
import { ensureSessionsTable } from '../../shared/adapters/dynamodb/dynamodb-table';
import { javaAvailable, startDynamoDbLocal } from '../support/dynamodb-local';
import { sessionStoreContract } from './session-store.contract';
import { storeWithNeighbours } from './table-neighbours';

// CI installs a Java runtime (.ci/run), so this suite must run there; a laptop without Java skips it.
if (!javaAvailable() && process.env.CI)
  throw new Error('CI must run the DynamoDB Local contract, but no Java runtime was found.');
if (javaAvailable()) {
  sessionStoreContract('DynamoDB Local', async () => {
    const db = await startDynamoDbLocal();
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
} else {
  describe.skip('SessionStore contract: DynamoDB Local (no Java runtime found)', () => it('skipped', () => {}));
}
