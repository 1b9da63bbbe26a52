import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createDocumentClient } from '../../shared/adapters/dynamodb/dynamodb-client';
import { javaAvailable, startDynamoDbLocal } from '../support/dynamodb-local';

/** Counts a document client's DynamoDB calls by command, and the capacity they consumed, while `counting`. */
export function countDynamoDbCalls(client: DynamoDBDocumentClient) {
  const counter = { counting: false, calls: {} as Record<string, number>, capacity: 0 };
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (!counter.counting) return next(args);
      counter.calls[context.commandName ?? '?'] = (counter.calls[context.commandName ?? '?'] ?? 0) + 1;
      (args.input as { ReturnConsumedCapacity?: string }).ReturnConsumedCapacity = 'TOTAL';
      const out = await next(args);
      const consumed = (out.output as { ConsumedCapacity?: { CapacityUnits?: number } | { CapacityUnits?: number }[] })
        .ConsumedCapacity;
      for (const c of [consumed ?? []].flat()) counter.capacity += c.CapacityUnits ?? 0;
      return out;
    },
    { step: 'initialize', name: 'benchCounter' },
  );
  return {
    start() {
      for (const k of Object.keys(counter.calls)) delete counter.calls[k];
      counter.capacity = 0;
      counter.counting = true;
    },
    stop() {
      counter.counting = false;
      const total = Object.values(counter.calls).reduce((a, b) => a + b, 0);
      const byCommand = Object.entries(counter.calls)
        .map(([k, v]) => `${k.replace('Command', '')} ${v}`)
        .join(', ');
      return { total, byCommand, capacity: counter.capacity };
    },
  };
}

/** Runs a benchmark part against a fresh DynamoDB Local, its calls counted; says so when there is no Java runtime. */
export async function onDynamoDbLocal(
  title: string,
  measure: (client: DynamoDBDocumentClient, counter: ReturnType<typeof countDynamoDbCalls>) => Promise<string>,
): Promise<string> {
  if (!javaAvailable()) return `### ${title}: not measured (DynamoDB Local needs a Java runtime)`;
  const db = await startDynamoDbLocal();
  try {
    const client = createDocumentClient({ endpoint: db.endpoint, region: 'local' });
    return await measure(client, countDynamoDbCalls(client));
  } finally {
    await db.close();
  }
}
