import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { SESSIONS_TABLE as T } from '../../config/table';
import type { SignOuts } from '../../ports/sign-outs';

/** A sign-out's record in the sessions table: `signout#<id>`, gone by TTL once the cookie has expired anyway. */
const PREFIX = 'signout#';

/** SignOuts in the sessions table (records told by their key; no index holds them). */
export class DynamoDbSignOuts implements SignOuts {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async revoke(id: string, untilMs: number): Promise<void> {
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { [T.partitionKey]: `${PREFIX}${id}`, [T.ttlAttribute]: Math.ceil(untilMs / 1000) + 3600 },
      }),
    );
  }

  async isRevoked(id: string): Promise<boolean> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: { [T.partitionKey]: `${PREFIX}${id}` }, ConsistentRead: true }),
    );
    return Item !== undefined;
  }
}
