import { setTimeout as sleep } from 'node:timers/promises';
import {
  CreateTableCommand,
  DescribeTableCommand,
  ResourceInUseException,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { SESSIONS_TABLE as T } from '../../config/table';

/** Creates the sessions table for local use (the CDK stack creates it on AWS). Idempotent. */
// Over 60 lines: the table's definition (keys, indexes, TTL) as the stack declares it.
export async function ensureSessionsTable(client: DynamoDBDocumentClient, tableName: string): Promise<void> {
  try {
    await client.send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [
          { AttributeName: T.partitionKey, AttributeType: 'S' },
          { AttributeName: T.byOwnerIndex.partitionKey, AttributeType: 'S' },
          { AttributeName: T.byOwnerIndex.sortKey, AttributeType: 'N' },
          { AttributeName: T.liveIndex.partitionKey, AttributeType: 'S' },
        ],
        KeySchema: [{ AttributeName: T.partitionKey, KeyType: 'HASH' }],
        GlobalSecondaryIndexes: [
          {
            IndexName: T.byOwnerIndex.name,
            KeySchema: [
              { AttributeName: T.byOwnerIndex.partitionKey, KeyType: 'HASH' },
              { AttributeName: T.byOwnerIndex.sortKey, KeyType: 'RANGE' },
            ],
            Projection: { ProjectionType: 'ALL' },
          },
          {
            IndexName: T.liveIndex.name,
            KeySchema: [
              { AttributeName: T.liveIndex.partitionKey, KeyType: 'HASH' },
              { AttributeName: T.liveIndex.sortKey, KeyType: 'RANGE' },
            ],
            Projection: { ProjectionType: 'ALL' },
          },
        ],
      }),
    );
  } catch (error) {
    if (!(error instanceof ResourceInUseException)) throw error;
  }
  // Not the SDK's waitUntilTableExists: it waits for the table alone, and a query on an index that is
  // still CREATING fails; this waits for the indexes too.
  for (let i = 0; ; i++) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    if (
      Table?.TableStatus === 'ACTIVE' &&
      (Table.GlobalSecondaryIndexes ?? []).every((g) => g.IndexStatus === 'ACTIVE')
    )
      break;
    if (i >= 120)
      throw new Error(
        `Table ${tableName} and its indexes are not ACTIVE after 30 s (table ${Table?.TableStatus ?? 'missing'}).`,
      );
    await sleep(250);
  }
  try {
    await client.send(
      new UpdateTimeToLiveCommand({
        TableName: tableName,
        TimeToLiveSpecification: { AttributeName: T.ttlAttribute, Enabled: true },
      }),
    );
  } catch {
    // Already enabled, or not supported by the local engine (dynalite): TTL only prunes old records.
  }
}
