import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { SESSIONS_TABLE as T } from '../../config/table';
import { sumOf, UsageRecordSchema, type UsageRecord, type UsageSum } from '../../domain/usage';
import type { UsageStore } from '../../ports/usage-store';

const DAY = 24 * 3600_000;

/** What a day sum's reader needs: its totals, never the set of sessions counted into it (read with it, it grows with them). */
const SUM_FIELDS = ['sum', 'sessions', 'seconds', 'mcpuSeconds', 'mibSeconds', 'gpuSeconds'] as const;

/**
 * A day sum's item: one owner's, one UTC day's, one app's and capacity's (`#` is in no user, app or capacity name), in
 * one of 16 parts by the session id's first hex digit, so its `counted` set stays far under DynamoDB's 400 KB item
 * (some 12,000 ids each: 190,000 sessions of one app a day for one user).
 */
const sumKey = (s: UsageSum, sessionId: string) =>
  `usagesum#${s.owner}#${s.day}#${s.app}#${s.capacity}#${sessionId.slice(0, 1)}`;
/** The marker saying from which day the sums are whole (one `#`: no sum's key). */
const SUMS_FROM = 'usagesum#from';
/** Where one user's day sums are listed in the owner index, and everyone's of a month in the live index. */
const ownerSums = (owner: string) => `usagesum#${owner}`;
const monthSums = (dayOrMonth: string) => `usagesum#${dayOrMonth.slice(0, 7)}`;

/** The month partition a record is listed under: `usage#YYYY-MM` of its end, in the live index (sorted by its end). */
const monthPartition = (month: string) => `usage#${month}`;

/** Where one user's records are listed in the owner index. */
const ownerPartition = (owner: string) => `usage#${owner}`;

/** Each UTC month (YYYY-MM) from `from`'s to `to`'s, at most the last 240 (twenty years: longer than any retention). */
function monthsBetween(from: number, to: number): string[] {
  const months: string[] = [];
  const d = new Date(Date.UTC(new Date(to).getUTCFullYear(), new Date(to).getUTCMonth(), 1));
  while (d.getTime() + 31 * 24 * 3600_000 > from && months.length < 240) {
    if (d.getTime() < to) months.unshift(d.toISOString().slice(0, 7));
    d.setUTCMonth(d.getUTCMonth() - 1);
  }
  return months;
}

/**
 * Usage records in the sessions table: `usage#<session id>`, written with a condition so there is
 * exactly one per session whoever writes it (a stop, the reaper, both at once). Listed by month
 * through the live index (partition `usage#YYYY-MM`, sort key the end), and one user's through the
 * owner index (partition `usage#<user>`); kept until their TTL.
 *
 * Beside them, each day's sums per owner, app and capacity (`usagesum#<owner>#<day>#<app>#<capacity>#<part>`), so a month's
 * usage reads some thirty items rather than every session's record: a record is added by one conditional ADD that
 * also puts its session in the item's `counted` set, so it is added exactly once however often it is written
 * (there are no transactions in the embedded store). The marker `usagesum#from` says from which day on every
 * record was added (the next UTC day after the first write that kept sums); days before it are read from records.
 */
export class DynamoDbUsageStore implements UsageStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly retentionMs: number,
    /** The clock the sums' marker is set by. */
    private readonly now: () => number = Date.now,
  ) {}

  /** Written (or found) once per process: from then on this process adds every record it writes to its day. */
  private marked: Promise<void> | undefined;

  async record(usage: UsageRecord): Promise<boolean> {
    this.marked ??= this.markSumsFrom().catch((error: unknown) => {
      this.marked = undefined;
      throw error;
    });
    await this.marked;
    const wrote = await this.put(usage);
    // Also when the record was there already: a call again after a crash between the two finishes the sum.
    await this.addToDay(usage);
    return wrote;
  }

  private async put(usage: UsageRecord): Promise<boolean> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            [T.partitionKey]: `usage#${usage.sessionId}`,
            [T.liveIndex.partitionKey]: monthPartition(new Date(usage.endedAt).toISOString().slice(0, 7)),
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

  /** The sums are whole from the UTC day after the first write that kept them (days before: from records). */
  private async markSumsFrom(): Promise<void> {
    const from = Math.floor(this.now() / DAY) * DAY + DAY;
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { [T.partitionKey]: SUMS_FROM, from },
          ConditionExpression: 'attribute_not_exists(#id)',
          ExpressionAttributeNames: { '#id': T.partitionKey },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  private async addToDay(usage: UsageRecord): Promise<void> {
    const sum = sumOf(usage);
    const dayStart = Date.parse(`${sum.day}T00:00:00Z`);
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { [T.partitionKey]: sumKey(sum, usage.sessionId) },
          UpdateExpression:
            'ADD sessions :one, seconds :s, mcpuSeconds :c, mibSeconds :m, gpuSeconds :g, #counted :ids ' +
            'SET #owner = :owner, #sort = :day, #month = :month, #ttl = :ttl, #sum = :sum',
          ConditionExpression: 'NOT contains(#counted, :id)',
          ExpressionAttributeNames: {
            '#counted': 'counted',
            '#owner': T.byOwnerIndex.partitionKey,
            '#sort': T.byOwnerIndex.sortKey,
            '#month': T.liveIndex.partitionKey,
            '#ttl': T.ttlAttribute,
            '#sum': 'sum',
          },
          ExpressionAttributeValues: {
            ':one': 1,
            ':s': sum.seconds,
            ':c': sum.mcpuSeconds,
            ':m': sum.mibSeconds,
            ':g': sum.gpuSeconds,
            ':ids': new Set([usage.sessionId]),
            ':id': usage.sessionId,
            ':owner': ownerSums(sum.owner),
            ':day': dayStart,
            ':month': monthSums(sum.day),
            ':ttl': Math.floor((dayStart + DAY + this.retentionMs) / 1000),
            ':sum': { owner: sum.owner, app: sum.app, capacity: sum.capacity, day: sum.day },
          },
        }),
      );
    } catch (error) {
      // Counted already: this record is in its day's sum.
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  async sumsFrom(): Promise<number | undefined> {
    const marker = await this.marker();
    return marker?.from;
  }

  private async marker(): Promise<
    { from: number; next?: { month: string; start?: Record<string, unknown> } } | undefined
  > {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: { [T.partitionKey]: SUMS_FROM }, ConsistentRead: true }),
    );
    return typeof Item?.from === 'number' ? (Item as { from: number; next?: never }) : undefined;
  }

  /**
   * The records that ended before the sums began, month by month from the oldest kept, added to their days; where it
   * stopped is kept on the marker (`next`), and once all are added the marker says every day (0).
   */
  async backfillSums(max: number): Promise<{ added: number; done: boolean }> {
    const marker = await this.marker();
    // No sums yet (the first record written starts them), or every day whole already.
    if (!marker) return { added: 0, done: false };
    if (marker.from === 0) return { added: 0, done: true };
    const months = monthsBetween(this.now() - this.retentionMs, marker.from);
    // Where the last call stopped (a month no longer kept: from the oldest that is).
    let at = Math.max(0, marker.next ? months.indexOf(marker.next.month) : 0);
    let start = marker.next && months[at] === marker.next.month ? marker.next.start : undefined;
    let added = 0;
    for (; at < months.length; at++, start = undefined) {
      do {
        const page = await this.client.send(
          new QueryCommand({
            TableName: this.tableName,
            IndexName: T.liveIndex.name,
            KeyConditionExpression: '#p = :p AND #s < :before',
            ExpressionAttributeNames: { '#p': T.liveIndex.partitionKey, '#s': T.liveIndex.sortKey },
            ExpressionAttributeValues: { ':p': monthPartition(months[at]!), ':before': marker.from },
            ExclusiveStartKey: start,
            Limit: Math.max(1, max - added),
          }),
        );
        for (const item of page.Items ?? []) await this.addToDay(UsageRecordSchema.parse(item.usage));
        added += page.Items?.length ?? 0;
        start = page.LastEvaluatedKey;
        if (added >= max && (start || at < months.length - 1)) {
          await this.moveMarker({
            from: marker.from,
            next: { month: months[start ? at : at + 1]!, ...(start ? { start } : {}) },
          });
          return { added, done: false };
        }
      } while (start);
    }
    await this.moveMarker({ from: 0 });
    return { added, done: true };
  }

  private async moveMarker(marker: { from: number; next?: { month: string; start?: Record<string, unknown> } }) {
    await this.client.send(
      new PutCommand({ TableName: this.tableName, Item: { [T.partitionKey]: SUMS_FROM, ...marker } }),
    );
  }

  async *sums(range: { from: number; to: number; owner?: string | undefined }): AsyncIterable<UsageSum> {
    const partitions =
      range.owner !== undefined
        ? [{ index: T.byOwnerIndex, partition: ownerSums(range.owner) }]
        : monthsBetween(range.from, range.to).map((m) => ({ index: T.liveIndex, partition: monthSums(m) }));
    for (const { index, partition } of partitions)
      for await (const item of this.query(index, partition, range, SUM_FIELDS)) {
        const meta = item.sum as Pick<UsageSum, 'owner' | 'app' | 'capacity' | 'day'>;
        yield {
          ...meta,
          sessions: Number(item.sessions),
          seconds: Number(item.seconds),
          mcpuSeconds: Number(item.mcpuSeconds),
          mibSeconds: Number(item.mibSeconds),
          gpuSeconds: Number(item.gpuSeconds),
        };
      }
  }

  async *list(range: { from: number; to: number; owner?: string | undefined }): AsyncIterable<UsageRecord> {
    const parse = async function* (items: AsyncIterable<Record<string, unknown>>) {
      for await (const item of items) yield UsageRecordSchema.parse(item.usage);
    };
    if (range.owner !== undefined) {
      yield* parse(this.query(T.byOwnerIndex, ownerPartition(range.owner), range));
      return;
    }
    for (const month of monthsBetween(range.from, range.to))
      yield* parse(this.query(T.liveIndex, monthPartition(month), range));
  }

  /**
   * One partition of an index, the items sorted in [from, to) (both indexes sort by `createdAt`: a record's end, a
   * sum's day); only `fields`, when named.
   */
  private async *query(
    index: { name: string; partitionKey: string; sortKey: string },
    partition: string,
    range: { from: number; to: number },
    fields?: readonly string[],
  ): AsyncIterable<Record<string, unknown>> {
    const names = Object.fromEntries((fields ?? []).map((f, i) => [`#f${i}`, f]));
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: index.name,
          KeyConditionExpression: '#p = :p AND #s BETWEEN :from AND :to',
          ExpressionAttributeNames: { '#p': index.partitionKey, '#s': index.sortKey, ...names },
          ExpressionAttributeValues: { ':p': partition, ':from': range.from, ':to': range.to - 1 },
          ...(fields ? { ProjectionExpression: Object.keys(names).join(', ') } : {}),
          ExclusiveStartKey: start,
        }),
      );
      start = page.LastEvaluatedKey;
      yield* page.Items ?? [];
    } while (start);
  }
}
