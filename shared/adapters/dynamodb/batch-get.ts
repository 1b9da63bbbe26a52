import { setTimeout as sleep } from 'node:timers/promises';
import { BatchGetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { SESSIONS_TABLE as T } from '../../config/table';

type Item = Record<string, unknown>;

/** BatchGetItem takes at most 100 keys. */
const BATCH = 100;

/**
 * The table's items with these ids (those that exist), 100 to a BatchGetItem; unprocessed keys (throttling) are asked
 * for again, a little later each time, until none is left.
 */
export async function batchGetItems(
  client: DynamoDBDocumentClient,
  tableName: string,
  ids: readonly string[],
): Promise<Item[]> {
  const items: Item[] = [];
  for (let i = 0; i < ids.length; i += BATCH) {
    let request: Record<string, { Keys: Item[] }> | undefined = {
      [tableName]: { Keys: ids.slice(i, i + BATCH).map((id) => ({ [T.partitionKey]: id })) },
    };
    for (let attempt = 0; request && Object.keys(request).length; attempt++) {
      if (attempt) await sleep(Math.min(50 * 2 ** attempt, 2000));
      const answer = await client.send(new BatchGetCommand({ RequestItems: request }));
      items.push(...((answer.Responses?.[tableName] ?? []) as Item[]));
      request = answer.UnprocessedKeys as typeof request;
    }
  }
  return items;
}
