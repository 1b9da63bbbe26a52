import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  GetCommand,
  PutCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { SESSIONS_TABLE as T } from '../../config/table';
import { ConflictError } from '../../domain/errors';
import { emptyPoolStatus, PoolInstanceSchema, type PoolInstance, type PoolStatus } from '../../domain/pool';
import type { PoolStatusChange, PoolStore } from '../../ports/pool-store';
import { liveIndexPages } from './live-index';

type Item = Record<string, unknown>;

/** Pool instances and statuses sit in the live index under shards of their own (never a scan). */
const INSTANCES_SHARD = 'pools';
const STATUS_SHARD = 'pool-status';

/** The key of a pool instance's record: `pool#<id>` (the id is the session id it becomes). */
function poolInstanceKey(id: string): string {
  return `pool#${id}`;
}
const statusKey = (app: string) => `poolstatus#${app}`;

function toItem(instance: PoolInstance): Item {
  const { id, ...rest } = instance;
  return { [T.partitionKey]: poolInstanceKey(id), instance: id, liveShard: INSTANCES_SHARD, ...rest };
}

function fromItem(item: Item): PoolInstance {
  const { [T.partitionKey]: _key, instance, liveShard: _shard, ...rest } = item;
  return PoolInstanceSchema.parse({ ...rest, id: instance });
}

function statusOf(item: Item | undefined, app: string): PoolStatus {
  if (!item) return emptyPoolStatus(app);
  return {
    app,
    hits: Number(item.hits ?? 0),
    misses: Number(item.misses ?? 0),
    failures: Number(item.failures ?? 0),
    paused: item.paused as PoolStatus['paused'],
    nextStartAt: item.nextStartAt as number | undefined,
    lastError: item.lastError as string | undefined,
    recycledAt: item.recycledAt as number | undefined,
  };
}

/** The update each status change is: counters by ADD, so concurrent launches never lose a count. */
function statusUpdate(change: PoolStatusChange): { expression: string; values: Record<string, unknown> } {
  switch (change.kind) {
    case 'hit':
      return { expression: 'ADD hits :one', values: { ':one': 1 } };
    case 'miss':
      return { expression: 'ADD misses :one', values: { ':one': 1 } };
    case 'pause':
      return {
        expression: 'SET paused = :p',
        values: { ':p': { by: change.by, at: change.at, reason: change.reason } },
      };
    case 'resume':
      return { expression: 'SET failures = :zero REMOVE paused, nextStartAt', values: { ':zero': 0 } };
    case 'recycle':
      return { expression: 'SET recycledAt = :at', values: { ':at': change.at } };
    case 'start-failed':
      return {
        expression: 'SET lastError = :e, nextStartAt = :n ADD failures :one',
        values: { ':e': change.error.slice(0, 500), ':n': change.nextStartAt, ':one': 1 },
      };
    case 'start-succeeded':
      return { expression: 'SET failures = :zero REMOVE nextStartAt', values: { ':zero': 0 } };
  }
}

/** PoolStore in the sessions table, beside the sessions. */
export class DynamoDbPoolStore implements PoolStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async add(instance: PoolInstance): Promise<void> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: toItem(instance),
          ConditionExpression: 'attribute_not_exists(#id)',
          ExpressionAttributeNames: { '#id': T.partitionKey },
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException)
        throw new ConflictError(`Pool instance ${instance.id} exists.`, await this.get(instance.id), { cause: error });
      throw error;
    }
  }

  async get(id: string): Promise<PoolInstance | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { [T.partitionKey]: poolInstanceKey(id) },
        ConsistentRead: true,
      }),
    );
    return Item ? fromItem(Item) : undefined;
  }

  async list(): Promise<PoolInstance[]> {
    const all: PoolInstance[] = [];
    for await (const page of liveIndexPages(this.client, this.tableName, INSTANCES_SHARD))
      all.push(...page.map(fromItem));
    return all;
  }

  async update(current: PoolInstance, next: PoolInstance): Promise<PoolInstance> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: toItem(next),
          ConditionExpression: '#state = :state AND #version = :version',
          ExpressionAttributeNames: { '#state': 'state', '#version': 'version' },
          ExpressionAttributeValues: { ':state': current.state, ':version': current.version },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return next;
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      const stored = error.Item ? fromItem(unmarshall(error.Item)) : await this.get(current.id);
      throw new ConflictError(
        `Pool instance ${current.id} changed: expected ${current.state} v${current.version}.`,
        stored,
        { cause: error },
      );
    }
  }

  async remove(current: PoolInstance): Promise<boolean> {
    try {
      await this.client.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: { [T.partitionKey]: poolInstanceKey(current.id) },
          ConditionExpression: '#version = :version',
          ExpressionAttributeNames: { '#version': 'version' },
          ExpressionAttributeValues: { ':version': current.version },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  async claim(instance: PoolInstance, at: number): Promise<PoolInstance | undefined> {
    const next: PoolInstance = { ...instance, state: 'CLAIMED', claimedAt: at, version: instance.version + 1 };
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { [T.partitionKey]: poolInstanceKey(instance.id) },
          UpdateExpression: 'SET #state = :claimed, claimedAt = :at, #version = :next',
          ConditionExpression: '#state = :ready AND #version = :version',
          ExpressionAttributeNames: { '#state': 'state', '#version': 'version' },
          ExpressionAttributeValues: {
            ':claimed': 'CLAIMED',
            ':ready': 'READY',
            ':at': at,
            ':version': instance.version,
            ':next': next.version,
          },
        }),
      );
      return next;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return undefined;
      throw error;
    }
  }

  async status(app: string): Promise<PoolStatus> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: { [T.partitionKey]: statusKey(app) }, ConsistentRead: true }),
    );
    return statusOf(Item, app);
  }

  async statuses(): Promise<PoolStatus[]> {
    const all: PoolStatus[] = [];
    for await (const page of liveIndexPages(this.client, this.tableName, STATUS_SHARD))
      all.push(...page.map((item) => statusOf(item, String(item.app))));
    return all;
  }

  async changeStatus(app: string, change: PoolStatusChange): Promise<PoolStatus> {
    const { expression, values } = statusUpdate(change);
    // Every status item carries the index keys (createdAt 0), so statuses() finds it however it was first written.
    const keys = 'app = :app, liveShard = :shard, createdAt = if_not_exists(createdAt, :zero)';
    const withKeys = expression.startsWith('SET ')
      ? `SET ${keys}, ${expression.slice(4)}`
      : `SET ${keys} ${expression}`;
    const { Attributes } = await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { [T.partitionKey]: statusKey(app) },
        UpdateExpression: withKeys,
        ExpressionAttributeValues: { ...values, ':app': app, ':shard': STATUS_SHARD, ':zero': 0 },
        ReturnValues: 'ALL_NEW',
      }),
    );
    return statusOf(Attributes, app);
  }

  async lease(app: string, holder: string, now: number, until: number): Promise<boolean> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { [T.partitionKey]: statusKey(app) },
          UpdateExpression:
            'SET app = :app, liveShard = :shard, createdAt = if_not_exists(createdAt, :zero), leaseHolder = :holder, leaseUntil = :until',
          ConditionExpression: 'attribute_not_exists(leaseUntil) OR leaseUntil < :now OR leaseHolder = :holder',
          ExpressionAttributeValues: {
            ':app': app,
            ':shard': STATUS_SHARD,
            ':zero': 0,
            ':holder': holder,
            ':until': until,
            ':now': now,
          },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  async release(app: string, holder: string): Promise<void> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { [T.partitionKey]: statusKey(app) },
          UpdateExpression: 'REMOVE leaseHolder, leaseUntil',
          ConditionExpression: 'leaseHolder = :holder',
          ExpressionAttributeValues: { ':holder': holder },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }
}
