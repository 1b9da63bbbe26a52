import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { SESSIONS_TABLE as T } from '../../config/table';
import { HOME_UID_BASE, type Home } from '../../domain/homes';
import { liveIndexPages } from './live-index';

const PREFIX = 'user#';
/** User items sit in the sparse live index under a shard of their own, so homes can be listed. */
const USERS_SHARD = 'users';
const COUNTER = { [T.partitionKey]: 'users#uid-counter' };

/** A user's record: their uid and gid (allocated once, never reused), and their EFS access point on AWS. */
export type UserRecord = Home;

/**
 * Per-user uids and gids, allocated once and kept in the sessions table (`user#<owner>`). A first
 * allocation takes the next number from a counter (one atomic ADD) and claims the user's item with
 * a conditional put; of concurrent first launches one claim wins and the others read it, so a user
 * has one uid for good (a lost race leaves a gap in the numbers, never two uids).
 */
export class DynamoDbUserIds {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly now: () => number = Date.now,
  ) {}

  async get(owner: string): Promise<UserRecord | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { [T.partitionKey]: `${PREFIX}${owner}` },
        ConsistentRead: true,
      }),
    );
    return Item ? recordOf(Item) : undefined;
  }

  async ensure(owner: string): Promise<UserRecord> {
    const known = await this.get(owner);
    if (known) return known;
    const { Attributes } = await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: COUNTER,
        UpdateExpression: 'ADD next_uid :one',
        ExpressionAttributeValues: { ':one': 1 },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    const uid = HOME_UID_BASE + Number(Attributes!.next_uid);
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            [T.partitionKey]: `${PREFIX}${owner}`,
            owner,
            uid,
            gid: uid,
            [T.liveIndex.partitionKey]: USERS_SHARD,
            [T.liveIndex.sortKey]: this.now(),
          },
          ConditionExpression: 'attribute_not_exists(#id)',
          ExpressionAttributeNames: { '#id': T.partitionKey },
        }),
      );
      return { owner, uid, gid: uid };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      return (await this.get(owner))!;
    }
  }

  /** Claims the making of the user's access point: none recorded, and no live claim (or a stale one). */
  claimAccessPoint(owner: string, claimant: string, now: number, staleAfterMs: number): Promise<boolean> {
    return this.updateIf(owner, {
      UpdateExpression: 'SET apClaim = :me, apClaimAt = :now',
      ConditionExpression:
        'attribute_exists(#id) AND attribute_not_exists(accessPointId) AND (attribute_not_exists(apClaim) OR apClaimAt < :stale)',
      ExpressionAttributeValues: { ':me': claimant, ':now': now, ':stale': now - staleAfterMs },
    });
  }

  /** Records the user's access point, unless one is already recorded; returns the one that stands. */
  async setAccessPoint(owner: string, accessPointId: string): Promise<string> {
    const recorded = await this.updateIf(owner, {
      UpdateExpression: 'SET accessPointId = :ap',
      ConditionExpression: 'attribute_exists(#id) AND attribute_not_exists(accessPointId)',
      ExpressionAttributeValues: { ':ap': accessPointId },
    });
    return recorded ? accessPointId : ((await this.get(owner))?.accessPointId ?? accessPointId);
  }

  /** One conditional update of the user's item: whether its condition held. */
  private async updateIf(
    owner: string,
    update: {
      UpdateExpression: string;
      ConditionExpression: string;
      ExpressionAttributeValues: Record<string, unknown>;
    },
  ): Promise<boolean> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { [T.partitionKey]: `${PREFIX}${owner}` },
          ExpressionAttributeNames: { '#id': T.partitionKey },
          ...update,
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  async list(): Promise<UserRecord[]> {
    const users: UserRecord[] = [];
    for await (const page of liveIndexPages(this.client, this.tableName, USERS_SHARD))
      users.push(...page.map(recordOf));
    return users;
  }
}

function recordOf(item: Record<string, unknown>): UserRecord {
  return {
    owner: String(item.owner),
    uid: Number(item.uid),
    gid: Number(item.gid),
    ...(typeof item.accessPointId === 'string' ? { accessPointId: item.accessPointId } : {}),
  };
}
