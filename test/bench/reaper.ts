import { BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { liveShardOf } from '../../shared/adapters/dynamodb/dynamodb-session-store';
import { ensureSessionsTable } from '../../shared/adapters/dynamodb/dynamodb-table';
import { EcsRuntime } from '../../shared/adapters/runtime/ecs/ecs-runtime';
import { usageShardOf } from '../../shared/adapters/dynamodb/dynamodb-quota-store';
import type { Session } from '../../shared/domain/session';
import { reap } from '../../shared/services/reaper/reap';
import { fixtureApp } from '../support/apps';
import { ScriptedEcs } from '../support/scripted-ecs';
import { makeServiceDeps } from '../support/services';
import { makeSession } from '../support/sessions';
import { onDynamoDbLocal } from './dynamodb-counter';
import { table } from './stats';

const OWNERS = 1000;

export async function batchWrite(
  client: DynamoDBDocumentClient,
  tableName: string,
  items: Record<string, unknown>[],
): Promise<void> {
  const batches: Record<string, unknown>[][] = [];
  for (let i = 0; i < items.length; i += 25) batches.push(items.slice(i, i + 25));
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < batches.length) {
        let request: Record<string, unknown>[] | undefined = batches[next++]!.map((Item) => ({ PutRequest: { Item } }));
        while (request?.length) {
          const out = await client.send(new BatchWriteCommand({ RequestItems: { [tableName]: request as never } }));
          request = out.UnprocessedItems?.[tableName] as Record<string, unknown>[] | undefined;
        }
      }
    }),
  );
}

/** Fills a table with `live` READY sessions (with running tasks) and `stopped` STOPPED ones. */
async function world(client: DynamoDBDocumentClient, name: string, live: number, stopped: number) {
  await ensureSessionsTable(client, name);
  const ecs = new ScriptedEcs({ pageSize: 100 });
  const app = { ...fixtureApp([], { port: 8080 }), name: 'web', command: [] };
  const runtime = new EcsRuntime(ecs.client, {
    cluster: 'sessions',
    subnets: ['s'],
    securityGroups: ['g'],
    taskFamilyPrefix: 'sp-',
    containerName: 'app',
    appNames: () => ['web'],
  });
  const now = Date.now();
  const items: Record<string, unknown>[] = [];
  const usage = new Map<string, number>();
  for (let i = 0; i < live; i++) {
    const owner = `owner${i % OWNERS}`;
    const s = makeSession({
      owner,
      app: 'web',
      status: 'READY',
      createdAt: now - 60_000,
      readyAt: now - 50_000,
      lastActivityAt: now,
      expiresAt: now + 86_400_000,
    });
    const { runtimeId } = await runtime.start({ session: s, app, secret: 'x' });
    items.push({ ...s, runtime: { kind: 'ecs', runtimeId }, liveShard: liveShardOf(s) });
    usage.set(owner, (usage.get(owner) ?? 0) + 1);
  }
  for (let i = 0; i < stopped; i++) {
    const s: Session = makeSession({
      owner: `owner${i % OWNERS}`,
      app: 'web',
      status: 'STOPPED',
      statusReason: 'idle',
      createdAt: now - 3_600_000 - i,
      stoppedAt: now - 1_800_000,
    });
    items.push(s);
  }
  for (const [owner, n] of usage)
    items.push({
      id: `usage#${owner}`,
      sessions: n,
      cpu: n,
      memory: n * 512,
      gpus: 0,
      updatedAt: now - 3_600_000,
      liveShard: usageShardOf(owner),
      createdAt: 0,
    });
  await batchWrite(client, name, items);
  ecs.tick();
  ecs.tick();
  return makeServiceDeps(client, name, runtime, { web: app });
}

/** One reaper pass over DynamoDB Local: its time, DynamoDB calls and consumed capacity. */
export async function benchReaper(): Promise<string> {
  return onDynamoDbLocal('Reaper pass', async (client, counter) => {
    const rows: (string | number)[][] = [];
    for (const [live, stopped] of [
      [10_000, 0],
      [1_000, 100_000],
      [10_000, 100_000],
    ] as const) {
      const deps = await world(client, `reap-${live}-${stopped}`, live, stopped);
      counter.start();
      const summary = await reap(deps, { concurrency: 16 });
      const counted = counter.stop();
      if (summary.live !== live || summary.errors) throw new Error(`unexpected pass: ${JSON.stringify(summary)}`);
      rows.push([
        live.toLocaleString('en'),
        stopped.toLocaleString('en'),
        `${summary.ms} ms`,
        counted.total,
        counted.byCommand,
        counted.capacity.toFixed(1),
      ]);
    }
    return [
      '### Reaper: one pass against DynamoDB Local (all sessions fresh, so the pass only reads)',
      '',
      table(
        ['live sessions', 'stopped sessions', 'pass', 'DynamoDB calls', 'by command', 'consumed capacity (RCU)'],
        rows,
      ),
    ].join('\n');
  });
}
