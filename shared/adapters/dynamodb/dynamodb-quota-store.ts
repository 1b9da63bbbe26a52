import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { SESSIONS_TABLE as T } from '../../config/table';
import { QuotaExceededError } from '../../domain/errors';
import { exceededLimit, NO_USAGE, round, type UserLimits, type Usage, type WorkKind } from '../../domain/limits';
import type { Resources } from '../../domain/session';
import type { QuotaStore, UsageRecord } from '../../ports/quota-store';
import { batchGetItems } from './batch-get';
import { liveIndexPages } from './live-index';

const PREFIX = 'usage#';
/**
 * Usage items sit in the sparse live index under shards of their own (`usage#0`..`usage#7`, by owner), so the reaper
 * finds them without one hot partition (#40: at 10,000 owners with something live, one partition's listing was 5,000
 * read units in a burst, over a partition's 3,000 a second). Records written before the shards are under `usage`
 * until their owner's next launch moves them; listings read it too.
 */
const USAGE_SHARDS = 8;
const LEGACY_USAGE_SHARD = 'usage';
export function usageShardOf(owner: string): string {
  let h = 0;
  for (let i = 0; i < owner.length; i++) h = (h * 31 + owner.charCodeAt(i)) >>> 0;
  return `usage#${h % USAGE_SHARDS}`;
}
const keyOf = (owner: string) => ({ [T.partitionKey]: `${PREFIX}${owner}` });
const usageOf = (item: Record<string, unknown>): Usage => {
  const n = (v: unknown) => round(Math.max(0, Number(v ?? 0)));
  return {
    sessions: n(item.sessions),
    jobs: n(item.jobs),
    cpu: n(item.cpu),
    memory: n(item.memory),
    gpus: n(item.gpus),
  };
};

/**
 * Usage counters as one item per owner in the sessions table (`usage#<owner>`). A reservation is
 * one conditional ADD: DynamoDB applies writes to an item one at a time, so 50 concurrent launches
 * against a cap of 3 leave exactly 3.
 */
export class DynamoDbQuotaStore implements QuotaStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly now: () => number = Date.now,
  ) {}

  async reserve(owner: string, resources: Resources, limits: UserLimits, kind: WorkKind = 'sessions'): Promise<void> {
    const alone = exceededLimit(NO_USAGE, resources, limits, kind);
    if (alone) throw new QuotaExceededError(owner, alone, limits[alone]);
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keyOf(owner),
          UpdateExpression:
            'ADD #count :one, cpu :cpu, memory :memory, gpus :gpus SET updatedAt = :now, #shard = :shard, #created = :zero',
          // Room left for this session under each cap (no arithmetic in conditions).
          ConditionExpression:
            '(attribute_not_exists(#count) OR #count <= :sessionsLeft) AND (attribute_not_exists(cpu) OR cpu <= :cpuLeft)' +
            ' AND (attribute_not_exists(memory) OR memory <= :memoryLeft) AND (attribute_not_exists(gpus) OR gpus <= :gpusLeft)',
          ExpressionAttributeNames: {
            '#count': kind,
            '#shard': T.liveIndex.partitionKey,
            '#created': T.liveIndex.sortKey,
          },
          ExpressionAttributeValues: {
            ':one': 1,
            ':cpu': resources.cpu,
            ':memory': resources.memory,
            ':gpus': resources.gpus,
            ':now': this.now(),
            ':shard': usageShardOf(owner),
            ':zero': 0,
            ':sessionsLeft': limits[kind] - 1,
            ':cpuLeft': round(limits.cpu - resources.cpu),
            ':memoryLeft': limits.memory - resources.memory,
            ':gpusLeft': limits.gpus - resources.gpus,
          },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      const which = exceededLimit(await this.get(owner), resources, limits, kind) ?? kind;
      throw new QuotaExceededError(owner, which, limits[which]);
    }
  }

  async release(owner: string, resources: Resources, kind: WorkKind = 'sessions'): Promise<void> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keyOf(owner),
          UpdateExpression: 'ADD #count :minusOne, cpu :cpu, memory :memory, gpus :gpus SET updatedAt = :now',
          ConditionExpression: '#count >= :one',
          ExpressionAttributeNames: { '#count': kind },
          ExpressionAttributeValues: {
            ':one': 1,
            ':minusOne': -1,
            ':cpu': -resources.cpu,
            ':memory': -resources.memory,
            ':gpus': -resources.gpus,
            ':now': this.now(),
          },
        }),
      );
    } catch (error) {
      // Already zero: drift the reaper repairs; never go negative.
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  async get(owner: string): Promise<Usage> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: keyOf(owner), ConsistentRead: true }),
    );
    return Item ? usageOf(Item) : { ...NO_USAGE };
  }

  async getMany(owners: readonly string[]): Promise<Map<string, Usage>> {
    const found = new Map<string, Usage>(owners.map((o) => [o, { ...NO_USAGE }]));
    const ids = [...found.keys()].map((o) => keyOf(o)[T.partitionKey]);
    for (const item of await batchGetItems(this.client, this.tableName, ids))
      found.set(String(item[T.partitionKey]).slice(PREFIX.length), usageOf(item));
    return found;
  }

  async *listUsage(): AsyncIterable<UsageRecord> {
    const shards = [...Array.from({ length: USAGE_SHARDS }, (_, i) => `usage#${i}`), LEGACY_USAGE_SHARD];
    for (const shard of shards)
      for await (const items of liveIndexPages(this.client, this.tableName, shard)) {
        for (const item of items)
          yield {
            owner: String(item[T.partitionKey]).slice(PREFIX.length),
            usage: usageOf(item),
            updatedAt: Number(item.updatedAt ?? 0),
          };
      }
  }

  async repair(owner: string, expected: Usage, derived: Usage): Promise<boolean> {
    const zero = derived.sessions === 0 && derived.jobs === 0;
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keyOf(owner),
          // An owner with nothing live leaves the index, so the next pass does not read it again.
          UpdateExpression: `SET sessions = :s, jobs = :j, cpu = :c, memory = :m, gpus = :g, updatedAt = :now${zero ? ' REMOVE #shard' : ''}`,
          // A counter written before jobs had one has no `jobs`: that is zero.
          ConditionExpression:
            'sessions = :es AND (jobs = :ej OR (attribute_not_exists(jobs) AND :ej = :zero)) AND cpu = :ec AND memory = :em AND gpus = :eg',
          ...(zero ? { ExpressionAttributeNames: { '#shard': T.liveIndex.partitionKey } } : {}),
          ExpressionAttributeValues: {
            ':s': derived.sessions,
            ':j': derived.jobs,
            ':ej': expected.jobs,
            ':zero': 0,
            ':c': derived.cpu,
            ':m': derived.memory,
            ':g': derived.gpus,
            ':now': this.now(),
            ':es': expected.sessions,
            ':ec': expected.cpu,
            ':em': expected.memory,
            ':eg': expected.gpus,
          },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }
}
