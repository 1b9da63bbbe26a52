import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { createDocumentClient } from '../../shared/adapters/dynamodb-client';

/** Every item of a table, sorted by id (tests only: the product never scans). */
export async function scanTable(endpoint: string, table: string): Promise<Record<string, unknown>[]> {
  const client = createDocumentClient({ endpoint, region: 'local' });
  const items: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await client.send(new ScanCommand({ TableName: table, ExclusiveStartKey: start, ConsistentRead: true }));
    items.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start);
  client.destroy();
  return items.sort((a, b) => String(a.id).localeCompare(String(b.id)));
}
