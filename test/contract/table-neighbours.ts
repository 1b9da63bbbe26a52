import { PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoDbSessionStore } from '../../shared/adapters/dynamodb/dynamodb-session-store';
import { DynamoDbUserIds } from '../../shared/adapters/dynamodb/dynamodb-user-ids';
import { newSessionId } from '../../shared/domain/ids';
import type { TableNeighbours } from './session-store.contract';

/**
 * A session store on a table, and what else lives in that table: a user's uid record (written by
 * the homes' real adapter: it carries `owner` and `createdAt`, so it lands in the owner index), and
 * a session record that cannot be read (an unknown status), as a bad write or an old version leaves.
 */
export function storeWithNeighbours(
  client: DynamoDBDocumentClient,
  table: string,
): { store: DynamoDbSessionStore; neighbours: TableNeighbours } {
  const skipped: string[] = [];
  const store = new DynamoDbSessionStore(client, table, (_why, key) => skipped.push(key));
  return {
    store,
    neighbours: {
      skipped,
      add: async (owner) => {
        await new DynamoDbUserIds(client, table).ensure(owner);
        const corruptId = newSessionId();
        await client.send(
          new PutCommand({
            TableName: table,
            Item: { id: corruptId, owner, createdAt: Date.now(), status: 'BOGUS', liveShard: 'live#0', version: 1 },
          }),
        );
        return { corruptId };
      },
    },
  };
}
