import { createHash } from 'node:crypto';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { SESSIONS_TABLE as T } from '../../config/table';
import type { IdempotencyClaim, IdempotencyStore } from '../../ports/idempotency-store';

/** `idem#<sha256(owner, key)>`: the key itself is never stored. */
const idOf = (owner: string, key: string) =>
  `idem#${createHash('sha256').update(`${owner}\u0000${key}`).digest('hex')}`;

/** Idempotency claims as items in the sessions table, expiring by TTL (and checked on read). */
export class DynamoDbIdempotencyStore implements IdempotencyStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly now: () => number = Date.now,
  ) {}

  async claim(claim: IdempotencyClaim, ttlSeconds: number, attempt = 0): Promise<IdempotencyClaim | undefined> {
    const nowSeconds = Math.floor(this.now() / 1000);
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            [T.partitionKey]: idOf(claim.owner, claim.key),
            requestHash: claim.requestHash,
            sessionId: claim.sessionId,
            [T.ttlAttribute]: nowSeconds + ttlSeconds,
          },
          // TTL deletes late: an expired claim counts as absent.
          ConditionExpression: 'attribute_not_exists(#id) OR #ttl < :now',
          ExpressionAttributeNames: { '#id': T.partitionKey, '#ttl': T.ttlAttribute },
          ExpressionAttributeValues: { ':now': nowSeconds },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return undefined;
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      // DynamoDB returns the item with the failure; engines that do not get one more read.
      const item = error.Item
        ? unmarshall(error.Item)
        : (
            await this.client.send(
              new GetCommand({
                TableName: this.tableName,
                Key: { [T.partitionKey]: idOf(claim.owner, claim.key) },
                ConsistentRead: true,
              }),
            )
          ).Item;
      if (!item) {
        if (attempt < 3) return this.claim(claim, ttlSeconds, attempt + 1); // forgotten in between
        throw error;
      }
      return {
        owner: claim.owner,
        key: claim.key,
        requestHash: String(item.requestHash),
        sessionId: String(item.sessionId),
      };
    }
  }

  async forget(claim: IdempotencyClaim): Promise<void> {
    try {
      await this.client.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: { [T.partitionKey]: idOf(claim.owner, claim.key) },
          ConditionExpression: 'sessionId = :sessionId',
          ExpressionAttributeValues: { ':sessionId': claim.sessionId },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }
}
