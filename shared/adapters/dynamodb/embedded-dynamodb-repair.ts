import { DeleteCommand, GetCommand, PutCommand, ScanCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { SESSIONS_TABLE as T } from '../../config/table';
import type { Logger } from '../../ports/logger';

type Item = Record<string, unknown>;

async function* scan(client: DynamoDBDocumentClient, tableName: string, indexName?: string): AsyncIterable<Item> {
  let start: Item | undefined;
  do {
    const page = await client.send(
      new ScanCommand({
        TableName: tableName,
        ...(indexName ? { IndexName: indexName } : {}),
        ...(start ? { ExclusiveStartKey: start } : {}),
      }),
    );
    yield* page.Items ?? [];
    start = page.LastEvaluatedKey;
  } while (start);
}

/**
 * Puts the embedded store's indexes right after a crash. dynalite writes an item's index entries
 * and then the item as separate LevelDB writes, so a kill -9 between them can leave an index entry
 * for a record that was never stored (a ghost PENDING session in its owner's list), an entry that
 * no longer matches its record, or a record missing from the live index (never reconciled). Only
 * for the embedded store, before anything else uses it: DynamoDB itself updates indexes atomically
 * with the item. Every repair goes through the public API: a ghost is re-put then deleted (which
 * drops its entries), and every record is re-put (which rewrites its entries).
 */
export async function repairEmbeddedIndexes(
  client: DynamoDBDocumentClient,
  tableName: string,
  logger: Logger,
): Promise<number> {
  let repaired = 0;
  for (const index of [T.byOwnerIndex, T.liveIndex]) {
    for await (const entry of scan(client, tableName, index.name)) {
      const key = { [T.partitionKey]: entry[T.partitionKey] };
      const { Item: item } = await client.send(
        new GetCommand({ TableName: tableName, Key: key, ConsistentRead: true }),
      );
      const matches =
        item && item[index.partitionKey] === entry[index.partitionKey] && item[index.sortKey] === entry[index.sortKey];
      if (matches) continue;
      await client.send(new PutCommand({ TableName: tableName, Item: entry })); // the entry's keys, so they are dropped next
      if (item) await client.send(new PutCommand({ TableName: tableName, Item: item }));
      else await client.send(new DeleteCommand({ TableName: tableName, Key: key }));
      repaired++;
      logger.warn(
        { id: entry[T.partitionKey], index: index.name, record: item ? 'stale entry' : 'never stored' },
        'repaired an index entry left by a crash',
      );
    }
  }
  for await (const item of scan(client, tableName))
    await client.send(new PutCommand({ TableName: tableName, Item: item }));
  return repaired;
}
