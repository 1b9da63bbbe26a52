import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { SESSIONS_TABLE as T } from '../../config/table';
import { ConflictError } from '../../domain/errors';
import type { QueueClass } from '../../domain/queue';
import { isFinal, isLive, type Session } from '../../domain/session';
import type { Page, SessionStore } from '../../ports/session-store';
import { liveIndexPages } from './live-index';
import { ShareIndex } from './dynamodb-share-index';
import {
  decodeOwnerCursor,
  encodeCursor,
  fromItem,
  type Item,
  liveShardOf,
  QUEUED_SHARD,
  sessionsOf,
  type SkippedRecord,
  toItem,
  TRANSITION_FIELDS,
  UNRECORDED,
  waitsInQueue,
} from './session-records';

export { liveShardOf, type SkippedRecord } from './session-records';

/** How many of a class's latest departures from the queue its pace record keeps (twice as many before a trim). */
const PACE_KEPT = 64;
/** The queue's pace per class: when its latest sessions left it, in one small record of its own. */
const paceKey = (cls: QueueClass) => ({ [T.partitionKey]: `queuepace#${cls}` });

/** SessionStore on DynamoDB (AWS, DynamoDB Local, LocalStack, or dynalite). */
export class DynamoDbSessionStore implements SessionStore {
  private readonly shareIndex: ShareIndex;

  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    /** Told of each unreadable session record a listing passes over (the entries log it). */
    private readonly skipped: SkippedRecord = () => undefined,
  ) {
    this.shareIndex = new ShareIndex(client, tableName);
  }

  async create(session: Session): Promise<void> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: toItem(session),
          ConditionExpression: 'attribute_not_exists(#id)',
          ExpressionAttributeNames: { '#id': T.partitionKey },
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException)
        throw new ConflictError(`Session ${session.id} exists.`, await this.get(session.id), { cause: error });
      throw error;
    }
  }

  async discard(session: Session): Promise<boolean> {
    try {
      await this.client.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: { [T.partitionKey]: session.id },
          ConditionExpression: '#status = :pending AND #version = :version',
          ExpressionAttributeNames: { '#status': 'status', '#version': 'version' },
          ExpressionAttributeValues: { ':pending': 'PENDING', ':version': session.version },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  async get(id: string): Promise<Session | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: { [T.partitionKey]: id }, ConsistentRead: true }),
    );
    return Item ? fromItem(Item) : undefined;
  }

  // Over 60 lines: one conditional update, its expression built field by field.
  async transition(current: Session, next: Session): Promise<Session> {
    const names: Record<string, string> = { '#status': 'status', '#version': 'version' };
    const values: Record<string, unknown> = { ':fromStatus': current.status, ':fromVersion': current.version };
    const set: string[] = [];
    const remove: string[] = [];
    TRANSITION_FIELDS.forEach((field, i) => {
      if (next[field] !== undefined) {
        names[`#f${i}`] = field;
        set.push(`#f${i} = :v${i}`);
        values[`:v${i}`] = next[field];
      } else if (current[field] !== undefined) {
        names[`#f${i}`] = field;
        remove.push(`#f${i}`);
      }
    });
    if (next.lastActivityAt !== undefined && next.lastActivityAt !== current.lastActivityAt) {
      names['#act'] = 'lastActivityAt';
      values[':act'] = next.lastActivityAt;
      set.push('#act = :act');
    }
    names['#shard'] = 'liveShard';
    if (isFinal(next.status)) {
      // Ending now: it waits for its usage record under UNRECORDED; final already: left as it is.
      if (!isFinal(current.status)) {
        values[':shard'] = UNRECORDED;
        set.push('#shard = :shard');
      }
    } else {
      values[':shard'] = liveShardOf(next);
      set.push('#shard = :shard');
    }
    // The grantee index: a new grantee's pointer before the write, a gone one's after it.
    const shares = ShareIndex.diff(current, next);
    if (shares.added.size) await this.shareIndex.add(next, shares.added);
    let written: Session;
    try {
      const { Attributes } = await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { [T.partitionKey]: current.id },
          UpdateExpression: `SET ${set.join(', ')}${remove.length ? ` REMOVE ${remove.join(', ')}` : ''}`,
          ConditionExpression: '#status = :fromStatus AND #version = :fromVersion',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ReturnValues: 'ALL_NEW',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      written = fromItem(Attributes as Item);
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      // DynamoDB returns the current item with the failure; engines that do not, get one more read.
      const stored = error.Item ? fromItem(unmarshall(error.Item)) : await this.get(current.id);
      throw new ConflictError(
        `Session ${current.id} changed: expected ${current.status} v${current.version}.`,
        stored,
        { cause: error },
      );
    }
    if (shares.removed.length) await this.shareIndex.remove(current.id, shares.removed);
    return written;
  }

  async listSharedWith(grantees: readonly string[]): Promise<Session[]> {
    return sessionsOf(await this.shareIndex.sessionsFor(grantees), this.skipped).filter((s) => isLive(s.status));
  }

  async listByOwner(owner: string, options: { limit?: number; cursor?: string } = {}): Promise<Page<Session>> {
    const { Items, LastEvaluatedKey } = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: T.byOwnerIndex.name,
        KeyConditionExpression: '#owner = :owner',
        ExpressionAttributeNames: { '#owner': T.byOwnerIndex.partitionKey },
        ExpressionAttributeValues: { ':owner': owner },
        ScanIndexForward: false,
        Limit: options.limit ?? 100,
        ExclusiveStartKey: decodeOwnerCursor(options.cursor, owner),
      }),
    );
    return { items: sessionsOf(Items ?? [], this.skipped), cursor: encodeCursor(LastEvaluatedKey) };
  }

  async *listLive(): AsyncIterable<Session> {
    // Every shard's first page is asked for at once; later pages follow per shard. The index is
    // eventually consistent, so a record that just became final may still show up here: callers
    // re-check with a conditional write.
    const shards = [...Array.from({ length: T.liveShards }, (_, shard) => `live#${shard}`), QUEUED_SHARD].map((shard) =>
      liveIndexPages(this.client, this.tableName, shard),
    );
    const firstPages = shards.map((pages) => pages.next());
    // A consumer that stops early never awaits some of these: a failure there is not unhandled.
    for (const page of firstPages) page.catch(() => undefined);
    for (const [i, pages] of shards.entries()) {
      for (let page = await firstPages[i]!; !page.done; page = await pages.next()) {
        for (const session of sessionsOf(page.value, this.skipped)) if (isLive(session.status)) yield session;
      }
    }
  }

  async *listQueued(): AsyncIterable<Session> {
    for await (const page of liveIndexPages(this.client, this.tableName, QUEUED_SHARD))
      for (const session of sessionsOf(page, this.skipped)) if (waitsInQueue(session)) yield session;
  }

  async queueDepartures(cls: QueueClass): Promise<number[]> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: paceKey(cls) }));
    const left: unknown = Item?.left;
    return Array.isArray(left) ? left.filter((t): t is number => typeof t === 'number') : [];
  }

  async noteQueueDepartures(cls: QueueClass, times: readonly number[]): Promise<void> {
    const { Attributes } = await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: paceKey(cls),
        UpdateExpression: 'SET #left = list_append(if_not_exists(#left, :none), :times)',
        ExpressionAttributeNames: { '#left': 'left' },
        ExpressionAttributeValues: { ':none': [], ':times': [...times] },
        ReturnValues: 'ALL_NEW',
      }),
    );
    const left = (Attributes?.left ?? []) as number[];
    if (left.length <= 2 * PACE_KEPT) return;
    // Cut to the latest, unless another pass appended meanwhile (its own append cuts it then).
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: paceKey(cls),
          UpdateExpression: 'SET #left = :kept',
          ConditionExpression: 'size(#left) = :n',
          ExpressionAttributeNames: { '#left': 'left' },
          ExpressionAttributeValues: { ':kept': left.slice(-PACE_KEPT), ':n': left.length },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  async *listUnrecorded(): AsyncIterable<Session> {
    for await (const page of liveIndexPages(this.client, this.tableName, UNRECORDED))
      for (const session of sessionsOf(page, this.skipped)) yield session;
  }

  async markRecorded(id: string): Promise<void> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { [T.partitionKey]: id },
          UpdateExpression: 'REMOVE #shard',
          ConditionExpression: '#shard = :ended',
          ExpressionAttributeNames: { '#shard': 'liveShard' },
          ExpressionAttributeValues: { ':ended': UNRECORDED },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  async recordActivity(id: string, at: number): Promise<void> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { [T.partitionKey]: id },
          UpdateExpression: 'SET #act = :at',
          ConditionExpression:
            'attribute_exists(#shard) AND #shard <> :ended AND (attribute_not_exists(#act) OR #act < :at)',
          ExpressionAttributeNames: { '#act': 'lastActivityAt', '#shard': 'liveShard' },
          ExpressionAttributeValues: { ':at': at, ':ended': UNRECORDED },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }
}
