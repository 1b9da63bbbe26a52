import { QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { SESSIONS_TABLE as T } from '../../config/table';

/** Every page of one shard of the sparse live index (session shards `live#N`, and the usage shard). */
export async function* liveIndexPages(
  client: DynamoDBDocumentClient,
  tableName: string,
  shard: string,
): AsyncGenerator<Record<string, unknown>[]> {
  let start: Record<string, unknown> | undefined;
  do {
    const page = await client.send(
      new QueryCommand({
        TableName: tableName,
        IndexName: T.liveIndex.name,
        KeyConditionExpression: '#shard = :shard',
        ExpressionAttributeNames: { '#shard': T.liveIndex.partitionKey },
        ExpressionAttributeValues: { ':shard': shard },
        ExclusiveStartKey: start,
      }),
    );
    start = page.LastEvaluatedKey;
    yield (page.Items ?? []) as Record<string, unknown>[];
  } while (start);
}
