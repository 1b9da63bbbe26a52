import {
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import { SESSIONS_TABLE as T } from '../../config/table';
import type { ApiTokenRecord } from '../../domain/api-tokens';
import type { ApiTokenStore } from '../../ports/api-tokens';

/** A token's record: `token#<sha256>`; a user's tokens are listed under `tokens#<user>` in the owner index. */
const KEY = 'token#';
const ownerPartition = (user: string) => `tokens#${user}`;
/** Kept a day past its expiry, then DynamoDB's TTL lets it go (an expired token is refused before then). */
const KEEP_AFTER_EXPIRY_S = 86_400;

const RecordSchema = z.object({
  hash: z.string(),
  id: z.string(),
  user: z.string(),
  admin: z.boolean(),
  groups: z.array(z.string()).optional(),
  name: z.string(),
  createdAt: z.number(),
  expiresAt: z.number(),
});

/** Personal API tokens in the sessions table, told by their key (`token#`), never by their shape. */
export class DynamoDbApiTokens implements ApiTokenStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async put(record: ApiTokenRecord): Promise<void> {
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          [T.partitionKey]: `${KEY}${record.hash}`,
          [T.byOwnerIndex.partitionKey]: ownerPartition(record.user),
          [T.byOwnerIndex.sortKey]: record.createdAt,
          [T.ttlAttribute]: Math.ceil(record.expiresAt / 1000) + KEEP_AFTER_EXPIRY_S,
          token: record,
        },
        ConditionExpression: 'attribute_not_exists(#id)',
        ExpressionAttributeNames: { '#id': T.partitionKey },
      }),
    );
  }

  async byHash(hash: string): Promise<ApiTokenRecord | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: { [T.partitionKey]: `${KEY}${hash}` } }),
    );
    return recordOf(Item);
  }

  async list(user: string): Promise<ApiTokenRecord[]> {
    const records: ApiTokenRecord[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: T.byOwnerIndex.name,
          KeyConditionExpression: '#o = :o',
          ExpressionAttributeNames: { '#o': T.byOwnerIndex.partitionKey },
          ExpressionAttributeValues: { ':o': ownerPartition(user) },
          ScanIndexForward: false,
          ExclusiveStartKey: start,
        }),
      );
      for (const item of page.Items ?? []) {
        const record = recordOf(item);
        if (record?.user === user) records.push(record);
      }
      start = page.LastEvaluatedKey;
    } while (start);
    return records;
  }

  async remove(user: string, id: string): Promise<boolean> {
    const record = (await this.list(user)).find((r) => r.id === id);
    if (!record) return false;
    await this.client.send(
      new DeleteCommand({ TableName: this.tableName, Key: { [T.partitionKey]: `${KEY}${record.hash}` } }),
    );
    return true;
  }
}

/** A token record from its item: only under a `token#` key, and only whole. */
function recordOf(item: Record<string, unknown> | undefined): ApiTokenRecord | undefined {
  if (!item || !String(item[T.partitionKey]).startsWith(KEY)) return undefined;
  const parsed = RecordSchema.safeParse(item.token);
  return parsed.success ? parsed.data : undefined;
}
