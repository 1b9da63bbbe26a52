import { DescribeTasksCommand, RunTaskCommand, StopTaskCommand } from '@aws-sdk/client-ecs';
import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { handleTaskEvent, type TaskEventsDeps } from '../../../functions/aws/task-events-handler';
import { createDocumentClient } from '../../../shared/adapters/dynamodb/dynamodb-client';
import { DynamoDbPoolStore } from '../../../shared/adapters/dynamodb/dynamodb-pool-store';
import { ensureSessionsTable } from '../../../shared/adapters/dynamodb/dynamodb-table';
import { startEmbeddedDynamoDb, type EmbeddedDynamoDb } from '../../../shared/adapters/dynamodb/embedded-dynamodb';
import { launchSession } from '../../../shared/services/launch';
import type { LaunchDeps } from '../../../shared/services/deps';
import type { Pools } from '../../../shared/services/deps';
import { tendPools, type KeeperOptions } from '../../../shared/services/pools/pool-keeper';
import { fixtureApp } from '../../support/apps';
import { CLUSTER_ARN, taskEvent } from '../../support/ecs-events';
import { ScriptedEcs, scriptedEcsRuntime } from '../../support/scripted-ecs';
import { makeServiceDeps } from '../../support/services';

const KEEPER: KeeperOptions = {
  holder: 'pools-lambda',
  burst: 5,
  staggerMs: 0,
  pauseAfter: 3,
  backoffBaseMs: 50,
  claimGraceMs: 60_000,
};

describe('warm pools on ECS (the scripted ECS): RunTask off the request path', () => {
  let db: EmbeddedDynamoDb;
  let listener: Server;
  let appPort: number;
  let ecs: ScriptedEcs;
  let deps: TaskEventsDeps & LaunchDeps & { pools: Pools };

  beforeAll(async () => {
    db = await startEmbeddedDynamoDb();
    // The tasks' app port: a real listener, so the readiness probe crosses a real socket.
    listener = createServer((socket) => socket.end());
    await new Promise<void>((r) => listener.listen(0, '127.0.0.1', r));
    appPort = (listener.address() as { port: number }).port;
  });
  afterAll(async () => {
    listener.close();
    await db.close();
  });
  beforeEach(async () => {
    const client = createDocumentClient({ endpoint: db.endpoint, region: 'local' });
    const table = `pools-${Math.random().toString(36).slice(2, 8)}`;
    await ensureSessionsTable(client, table);
    ecs = new ScriptedEcs();
    const runtime = scriptedEcsRuntime(ecs, ['web']);
    const pools: Pools = { store: new DynamoDbPoolStore(client, table), revision: () => 'sessionplane-web:3' };
    deps = {
      ...makeServiceDeps(
        client,
        table,
        runtime,
        { web: fixtureApp([], { port: appPort, pool: { min: 2, max: 2, ttlMs: 3_600_000, schedule: [] } }) },
        { pools },
      ),
      pools,
      clusterArn: CLUSTER_ARN,
      containerName: 'app',
      probeIntervalMs: 20,
    };
  });

  const runs = () => ecs.mock.commandCalls(RunTaskCommand);
  /** ECS moves every task on a step, and EventBridge delivers each task's state change to task-events. */
  const deliver = async () => {
    ecs.tick();
    for (const task of ecs.tasks.values()) {
      const id = task.startedBy!.slice(3);
      await handleTaskEvent(
        deps,
        taskEvent(id, task.taskArn!, {
          lastStatus: task.lastStatus!,
          desiredStatus: task.desiredStatus!,
          ip: '127.0.0.1',
          version: ecs.mock.calls().length,
        }),
      );
    }
  };

  it('fills the pool with RunTask from the keeper; a launch claims a RUNNING task with no RunTask; the keeper replaces it', async () => {
    expect((await tendPools(deps, KEEPER)).started).toBe(2);
    expect(runs()).toHaveLength(2);
    for (const call of runs()) expect(call.args[0].input.startedBy).toMatch(/^sp-[0-9a-f]{32}$/);
    for (let i = 0; i < 3; i++) await deliver();
    const instances = await deps.pools.store.list();
    expect(instances.map((i) => i.state)).toEqual(['READY', 'READY']);

    const sent = ecs.mock.calls().length;
    const launched = await launchSession(deps, { owner: 'alice', app: 'web' });
    expect(launched).toMatchObject({
      pooled: true,
      session: { status: 'READY', runtime: { kind: 'ecs', endpoint: `127.0.0.1:${appPort}` } },
    });
    // On the launch's path: one DescribeTasks (is the task still there?), and never RunTask.
    const during = ecs.mock
      .calls()
      .slice(sent)
      .map((c) => c.args[0].constructor.name);
    expect(during).toEqual([DescribeTasksCommand.name]);
    expect(runs()).toHaveLength(2);

    // The keeper (the pools function, on the table's stream) starts the replacement.
    expect((await tendPools(deps, KEEPER)).started).toBe(1);
    expect(runs()).toHaveLength(3);

    // The claimed task ends by itself: its session ends; an unclaimed one ends: its record goes and a replacement starts.
    const claimedArn = launched.session.runtime!.runtimeId;
    ecs.exit(claimedArn, 0);
    const other = instances.find((i) => i.id !== launched.session.id)!;
    ecs.exit(other.runtime!.runtimeId, 137);
    await deliver();
    expect((await deps.store.get(launched.session.id))?.status).toBe('STOPPED');
    expect((await deps.pools.store.list()).map((i) => i.id)).not.toContain(other.id);
    expect((await tendPools(deps, KEEPER)).started).toBe(1);
    expect(runs()).toHaveLength(4);
    expect(ecs.mock.commandCalls(StopTaskCommand)).toHaveLength(0);
  });

  it('a pooled task the runtime no longer has is never handed out', async () => {
    await tendPools(deps, KEEPER);
    for (let i = 0; i < 3; i++) await deliver();
    // Both tasks stop, and their STOPPED events have not arrived yet: the records still say READY.
    for (const task of ecs.tasks.values()) ecs.exit(task.taskArn!, 1);
    const launched = await launchSession(deps, { owner: 'alice', app: 'web' });
    expect(launched.pooled).toBe(false);
    expect(runs()).toHaveLength(3); // started as usual
  });
});
