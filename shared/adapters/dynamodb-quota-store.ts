import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { SESSIONS_TABLE as T } from '../config/table';
import { QuotaExceededError } from '../domain/errors';
import { exceededLimit, NO_USAGE, round, type UserLimits, type Usage } from '../domain/limits';
import type { Resources } from '../domain/session';
import type { QuotaStore } from '../ports/quota-store';

const keyOf = (owner: string) => ({ [T.partitionKey]: `usage#${owner}` });

/**
 * Usage counters as one item per owner in the sessions table (`usage#<owner>`). A reservation is
 * one conditional ADD: DynamoDB applies writes to an item one at a time, so 50 concurrent launches
 * against a cap of 3 leave exactly 3.
 */
export class DynamoDbQuotaStore implements QuotaStore {
  constructor(private readonly client: DynamoDBDocumentClient, private readonly tableName: string) {}

  async reserve(owner: string, resources: Resources, limits: UserLimits): Promise<void> {
    const alone = exceededLimit(NO_USAGE, resources, limits);
    if (alone) throw new QuotaExceededError(owner, alone, limits[alone]);
    try {
      await this.client.send(new UpdateCommand({
        TableName: this.tableName,
        Key: keyOf(owner),
        UpdateExpression: 'ADD sessions :one, cpu :cpu, memory :memory, gpus :gpus',
        // Room left for this session under each cap (no arithmetic in conditions).
        ConditionExpression: '(attribute_not_exists(sessions) OR sessions <= :sessionsLeft) AND (attribute_not_exists(cpu) OR cpu <= :cpuLeft)'
          + ' AND (attribute_not_exists(memory) OR memory <= :memoryLeft) AND (attribute_not_exists(gpus) OR gpus <= :gpusLeft)',
        ExpressionAttributeValues: {
          ':one': 1, ':cpu': resources.cpu, ':memory': resources.memory, ':gpus': resources.gpus,
          ':sessionsLeft': limits.sessions - 1, ':cpuLeft': round(limits.cpu - resources.cpu),
          ':memoryLeft': limits.memory - resources.memory, ':gpusLeft': limits.gpus - resources.gpus,
        },
      }));
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      const which = exceededLimit(await this.get(owner), resources, limits) ?? 'sessions';
      throw new QuotaExceededError(owner, which, limits[which]);
    }
  }

  async release(owner: string, resources: Resources): Promise<void> {
    try {
      await this.client.send(new UpdateCommand({
        TableName: this.tableName,
        Key: keyOf(owner),
        UpdateExpression: 'ADD sessions :minusOne, cpu :cpu, memory :memory, gpus :gpus',
        ConditionExpression: 'sessions >= :one',
        ExpressionAttributeValues: { ':one': 1, ':minusOne': -1, ':cpu': -resources.cpu, ':memory': -resources.memory, ':gpus': -resources.gpus },
      }));
    } catch (error) {
      // Already zero: drift the reaper repairs; never go negative.
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  async get(owner: string): Promise<Usage> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: keyOf(owner), ConsistentRead: true }));
    if (!Item) return { ...NO_USAGE };
    const n = (v: unknown) => round(Math.max(0, Number(v ?? 0)));
    return { sessions: n(Item.sessions), cpu: n(Item.cpu), memory: n(Item.memory), gpus: n(Item.gpus) };
  }

  async set(owner: string, usage: Usage): Promise<void> {
    await this.client.send(new PutCommand({ TableName: this.tableName, Item: { ...keyOf(owner), ...usage } }));
  }
}
