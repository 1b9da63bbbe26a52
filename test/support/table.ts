import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createDocumentClient } from '../../shared/adapters/dynamodb/dynamodb-client';
import { ensureSessionsTable } from '../../shared/adapters/dynamodb/dynamodb-table';
import { startEmbeddedDynamoDb, type EmbeddedDynamoDb } from '../../shared/adapters/dynamodb/embedded-dynamodb';

/** Every item of a table, sorted by id (tests only: the product never scans). */
export async function scanTable(endpoint: string, table: string): Promise<Record<string, unknown>[]> {
  const client = createDocumentClient({ endpoint, region: 'local' });
  const items: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await client.send(
      new ScanCommand({ TableName: table, ExclusiveStartKey: start, ConsistentRead: true }),
    );
    items.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start);
  client.destroy();
  return items.sort((a, b) => String(a.id).localeCompare(String(b.id)));
}

/** dynalite in this process with the sessions table made: a client on it, and the close. */
export async function embeddedTable(
  table = 'sessions',
): Promise<{ db: EmbeddedDynamoDb; client: DynamoDBDocumentClient }> {
  const db = await startEmbeddedDynamoDb();
  const client = createDocumentClient({ endpoint: db.endpoint, region: 'local' });
  await ensureSessionsTable(client, table);
  return { db, client };
}
