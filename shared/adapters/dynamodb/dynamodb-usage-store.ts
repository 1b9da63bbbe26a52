import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { SESSIONS_TABLE as T } from '../../config/table';
import { UsageRecordSchema, type UsageRecord } from '../../domain/usage';
import type { UsageStore } from '../../ports/usage-store';

/** The month partition a record is listed under: `usage#YYYY-MM` of its end, in the live index (sorted by its end). */
const monthOf = (ms: number) => `usage#${new Date(ms).toISOString().slice(0, 7)}`;

/** Where one user's records are listed in the owner index. */
const ownerPartition = (owner: string) => `usage#${owner}`;

/** Each UTC month from `from`'s to `to`'s, at most the last 240 (twenty years: longer than any retention). */
function monthsBetween(from: number, to: number): string[] {
  const months: string[] = [];
  const d = new Date(Date.UTC(new Date(to).getUTCFullYear(), new Date(to).getUTCMonth(), 1));
  while (d.getTime() + 31 * 24 * 3600_000 > from && months.length < 240) {
    if (d.getTime() < to) months.unshift(monthOf(d.getTime()));
    d.setUTCMonth(d.getUTCMonth() - 1);
  }
  return months;
}

/**
 * Usage records in the sessions table: `usage#<session id>`, written with a condition so there is
 * exactly one per session whoever writes it (a stop, the reaper, both at once). Listed by month
 * through the live index (partition `usage#YYYY-MM`, sort key the end), and one user's through the
 * owner index (partition `usage#<user>`); kept until their TTL.
 */
export class DynamoDbUsageStore implements UsageStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly retentionMs: number,
  ) {}

  async record(usage: UsageRecord): Promise<boolean> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            [T.partitionKey]: `usage#${usage.sessionId}`,
            [T.liveIndex.partitionKey]: monthOf(usage.endedAt),
            [T.liveIndex.sortKey]: usage.endedAt,
            [T.ttlAttribute]: Math.floor((usage.endedAt + this.retentionMs) / 1000),
            // The owner index's `usage#<user>` partition: one user's records without reading everyone's.
            // (`#` is in no user name, so no session owner's partition is this.)
            [T.byOwnerIndex.partitionKey]: ownerPartition(usage.owner),
            usage,
          },
          ConditionExpression: 'attribute_not_exists(#id)',
          ExpressionAttributeNames: { '#id': T.partitionKey },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  async *list(range: { from: number; to: number; owner?: string | undefined }): AsyncIterable<UsageRecord> {
    if (range.owner !== undefined) {
      yield* this.query(T.byOwnerIndex, ownerPartition(range.owner), range);
      return;
    }
    for (const month of monthsBetween(range.from, range.to)) yield* this.query(T.liveIndex, month, range);
  }

  /**
   * One partition of an index, the records that ended in [from, to) (both indexes sort by `createdAt`, here the end).
   */
  private async *query(
    index: { name: string; partitionKey: string; sortKey: string },
    partition: string,
    range: { from: number; to: number },
  ) {
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: index.name,
          KeyConditionExpression: '#p = :p AND #s BETWEEN :from AND :to',
          ExpressionAttributeNames: { '#p': index.partitionKey, '#s': index.sortKey },
          ExpressionAttributeValues: { ':p': partition, ':from': range.from, ':to': range.to - 1 },
          ExclusiveStartKey: start,
        }),
      );
      start = page.LastEvaluatedKey;
      for (const item of page.Items ?? []) yield UsageRecordSchema.parse(item.usage);
    } while (start);
  }
}
