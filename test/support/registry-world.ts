import { RegisterTaskDefinitionCommand } from '@aws-sdk/client-ecs';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, beforeEach, describe } from 'vitest';
import { createDocumentClient } from '../../shared/adapters/dynamodb/dynamodb-client';
import { ensureSessionsTable } from '../../shared/adapters/dynamodb/dynamodb-table';
import { EcsRuntime } from '../../shared/adapters/runtime/ecs/ecs-runtime';
import { TaskDefinitionRegistry } from '../../shared/adapters/runtime/ecs/task-definition-registry';
import { javaAvailable, startDynamoDbLocal } from './dynamodb-local';
import { ScriptedEcs } from './scripted-ecs';
import { describedEcho } from './task-definitions';

/** A user's own image, which a custom-image launch names. */
export const CUSTOM = 'ghcr.io/lab/viz:2.1';

// CI installs a Java runtime (.ci/run), so the suites that claim in DynamoDB Local must run there.
if (!javaAvailable() && process.env.CI)
  throw new Error('CI must run the registry against DynamoDB Local, but no Java runtime was found.');
/** `describe` where a Java runtime runs DynamoDB Local, else skipped (never in CI). */
export const registrySuite = javaAvailable() ? describe : describe.skip;

/**
 * The task-definition registry's world (call it inside the `describe`): DynamoDB Local for its claims, a table and a
 * scripted ECS with the echo app's deployed definition (revision 1 of its family) fresh for each test, a clock the test
 * moves (`now`), the registry, and the ECS runtime as api-write composes it with the echo app's pinned base.
 */
export function registryWorld() {
  let db: Awaited<ReturnType<typeof startDynamoDbLocal>> | undefined;
  let n = 0;
  const w = {
    client: undefined as unknown as DynamoDBDocumentClient,
    ecs: undefined as unknown as ScriptedEcs,
    table: '',
    now: 0,
    registry: (extra: Partial<ConstructorParameters<typeof TaskDefinitionRegistry>[2]> = {}) =>
      new TaskDefinitionRegistry(w.ecs.client, w.client, {
        tableName: w.table,
        containerName: 'app',
        now: () => w.now,
        ...extra,
      }),
    ecsRuntime: (extra: { homesFileSystemId?: string; volumeAccessPoints?: Record<string, string> } = {}) =>
      new EcsRuntime(w.ecs.client, {
        cluster: 'sessions',
        subnets: ['subnet-a'],
        securityGroups: ['sg'],
        taskFamilyPrefix: 'sessionplane-',
        containerName: 'app',
        appNames: () => ['echo'],
        baseTaskDefinition: (app) => ({ echo: 'sessionplane-echo:1' })[app],
        registry: w.registry(),
        ...extra,
      }),
    registrations: () => w.ecs.mock.commandCalls(RegisterTaskDefinitionCommand),
  };
  beforeAll(async () => {
    db = await startDynamoDbLocal();
    w.client = createDocumentClient({ endpoint: db.endpoint, region: 'local' });
  }, 90_000);
  afterAll(async () => {
    w.client?.destroy();
    await db?.close();
  });
  beforeEach(async () => {
    w.table = `registry${++n}`;
    await ensureSessionsTable(w.client, w.table);
    w.ecs = new ScriptedEcs();
    const base = describedEcho(1);
    w.ecs.definitions.set(base.taskDefinitionArn!, base);
    w.now = Date.now();
  });
  return w;
}
