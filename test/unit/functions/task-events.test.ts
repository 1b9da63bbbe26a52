import { StopTaskCommand } from '@aws-sdk/client-ecs';
import { createServer as createHttpServer } from 'node:http';
import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { handleTaskEvent, type TaskEventsDeps } from '../../../functions/aws/task-events-handler';
import { createDocumentClient } from '../../../shared/adapters/dynamodb/dynamodb-client';
import { ensureSessionsTable } from '../../../shared/adapters/dynamodb/dynamodb-table';
import { startEmbeddedDynamoDb, type EmbeddedDynamoDb } from '../../../shared/adapters/dynamodb/embedded-dynamodb';
import type { Session } from '../../../shared/domain/session';
import { launchSession } from '../../../shared/services/launch';
import type { LaunchDeps } from '../../../shared/services/deps';
import { fixtureApp } from '../../support/apps';
import { CLUSTER_ARN, taskEvent } from '../../support/ecs-events';
import { ScriptedEcs, scriptedEcsRuntime } from '../../support/scripted-ecs';
import { makeServiceDeps } from '../../support/services';
import { makeSession } from '../../support/sessions';
import { launchTimings } from '../../../shared/domain/events';

describe('task-events: ECS Task State Change → session state', () => {
  let db: EmbeddedDynamoDb;
  let listener: Server;
  let appPort: number;
  let health: ReturnType<typeof createHttpServer>;
  let healthPort: number;
  const healthAnswers: number[] = [];
  let unhealthyFor = 0;
  let ecs: ScriptedEcs;
  let deps: TaskEventsDeps & LaunchDeps;
  const arn = (n: number) => `arn:aws:ecs:eu-west-1:123456789012:task/sessionplane/${String(n).padStart(32, '0')}`;
  const stored = async (s: Session) => (await deps.store.get(s.id))!;
  const seed = async (overrides: Partial<Session>) => {
    const s = makeSession({ app: 'web', launchDeadline: Date.now() + 10_000, ...overrides });
    await deps.store.create(s);
    return s;
  };

  beforeAll(async () => {
    db = await startEmbeddedDynamoDb();
    // The "task's" app port: a real listener, so the probe crosses a real socket.
    listener = createServer((socket) => socket.end());
    await new Promise<void>((r) => listener.listen(0, '127.0.0.1', r));
    appPort = (listener.address() as { port: number }).port;
    // An app with an HTTP readiness check: /healthz answers 503 `unhealthyFor` times, then 200.
    health = createHttpServer((req, res) => {
      const status = req.url === '/healthz' && unhealthyFor-- <= 0 ? 200 : 503;
      healthAnswers.push(status);
      res.writeHead(status).end();
    });
    await new Promise<void>((r) => health.listen(0, '127.0.0.1', r));
    healthPort = (health.address() as { port: number }).port;
  });
  afterAll(async () => {
    listener.close();
    health.close();
    await db.close();
  });
  beforeEach(async () => {
    const client = createDocumentClient({ endpoint: db.endpoint, region: 'local' });
    const table = `sessions-${Math.random().toString(36).slice(2, 8)}`;
    await ensureSessionsTable(client, table);
    ecs = new ScriptedEcs();
    const runtime = scriptedEcsRuntime(ecs, ['web']);
    deps = {
      ...makeServiceDeps(client, table, runtime, {
        web: fixtureApp([], { port: appPort }),
        health: fixtureApp([], { port: healthPort, ready: { kind: 'http', path: '/healthz' } }),
      }),
      clusterArn: CLUSTER_ARN,
      containerName: 'app',
      probeIntervalMs: 20,
    };
  });

  it('makes a STARTING session READY once its port answers, at the ENI address', async () => {
    const s = await seed({ status: 'STARTING', runtime: { kind: 'ecs', runtimeId: arn(1) } });
    expect(await handleTaskEvent(deps, taskEvent(s.id, arn(1), { ip: '127.0.0.1' }))).toBe('ready');
    expect(await stored(s)).toMatchObject({
      status: 'READY',
      runtime: { runtimeId: arn(1), endpoint: `127.0.0.1:${appPort}`, eventVersion: 4 },
    });
  });

  it("honours the app's HTTP readiness check: READY only once its path answers 2xx, not on a TCP accept", async () => {
    healthAnswers.length = 0;
    unhealthyFor = 3;
    const s = await seed({ app: 'health', status: 'STARTING', runtime: { kind: 'ecs', runtimeId: arn(7) } });
    expect(await handleTaskEvent(deps, taskEvent(s.id, arn(7), { ip: '127.0.0.1' }))).toBe('ready');
    expect(healthAnswers).toEqual([503, 503, 503, 200]);
    expect((await stored(s)).status).toBe('READY');
  });

  it('takes a RUNNING event that beats the STARTING write from PENDING to READY', async () => {
    const s = await seed({ status: 'PENDING' });
    expect(await handleTaskEvent(deps, taskEvent(s.id, arn(2), { ip: '127.0.0.1' }))).toBe('ready');
    expect((await stored(s)).status).toBe('READY');
  });

  it('fails a session whose app port never answers by its launch deadline, and stops its task', async () => {
    const { runtimeId } = await deps.runtime.start({
      session: makeSession(),
      app: { ...fixtureApp(), name: 'web' },
      secret: 's',
    });
    const s = await seed({ status: 'STARTING', runtime: { kind: 'ecs', runtimeId }, launchDeadline: Date.now() + 300 });
    expect(await handleTaskEvent(deps, taskEvent(s.id, runtimeId, { ip: '127.0.0.2' }))).toBe('launch-timeout');
    expect(await stored(s)).toMatchObject({ status: 'FAILED', statusReason: 'launch-timeout' });
    expect(ecs.mock.commandCalls(StopTaskCommand).map((c) => c.args[0].input)).toEqual([
      { cluster: CLUSTER_ARN, task: runtimeId, reason: 'sessionplane: launch-timeout' },
    ]);
  });

  it.each<[Session['status'], string, string]>([
    [
      'STARTING',
      'FAILED',
      'exited-before-ready: EssentialContainerExited: Essential container in task exited (exit code 1)',
    ],
    ['READY', 'STOPPED', 'app-exited: EssentialContainerExited: Essential container in task exited (exit code 1)'],
    ['STOPPING', 'STOPPED', 'user'],
  ])("ends a %s session %s on STOPPED, with ECS's reason", async (from, to, reason) => {
    const s = await seed({
      status: from,
      runtime: { kind: 'ecs', runtimeId: arn(3) },
      ...(from === 'STOPPING' ? { statusReason: 'user' } : {}),
    });
    const stopped = taskEvent(s.id, arn(3), {
      lastStatus: 'STOPPED',
      desiredStatus: 'STOPPED',
      stopCode: 'EssentialContainerExited',
      stoppedReason: 'Essential container in task exited',
      version: 6,
    });
    stopped.detail.containers![0]!.exitCode = 1;
    expect(await handleTaskEvent(deps, stopped)).toBe('stopped');
    expect(await stored(s)).toMatchObject({ status: to, statusReason: reason });
  });

  it('changes nothing for a duplicate or a stale event', async () => {
    const s = await seed({ status: 'STARTING', runtime: { kind: 'ecs', runtimeId: arn(4) } });
    await handleTaskEvent(deps, taskEvent(s.id, arn(4), { ip: '127.0.0.1', version: 5 }));
    const ready = await stored(s);
    await handleTaskEvent(deps, taskEvent(s.id, arn(4), { ip: '127.0.0.1', version: 5 })); // duplicate
    expect(await stored(s)).toEqual(ready);
    await handleTaskEvent(
      deps,
      taskEvent(s.id, arn(4), {
        lastStatus: 'STOPPED',
        desiredStatus: 'STOPPED',
        version: 3,
        stopCode: 'UserInitiated',
      }),
    ); // stale
    expect(await stored(s)).toEqual(ready);
  });

  it('ignores other clusters, tasks it did not start, and a Spot interruption notice', async () => {
    const s = await seed({ status: 'STARTING', runtime: { kind: 'ecs', runtimeId: arn(5) } });
    expect(
      await handleTaskEvent(
        deps,
        taskEvent(s.id, arn(5), { clusterArn: 'arn:aws:ecs:eu-west-1:123456789012:cluster/other' }),
      ),
    ).toBe('ignored');
    expect(await handleTaskEvent(deps, taskEvent(s.id, arn(5), { startedBy: 'ecs-svc/123' }))).toBe('ignored');
    expect(
      await handleTaskEvent(deps, taskEvent(s.id, arn(5), { desiredStatus: 'STOPPED', stopCode: 'TerminationNotice' })),
    ).toBe('ignored');
    expect((await stored(s)).status).toBe('STARTING');
  });

  it('stops a running task of ours that has no live session', async () => {
    const orphanId = makeSession().id;
    expect(await handleTaskEvent(deps, taskEvent(orphanId, arn(6), {}))).toBe('orphan-stopped');
    expect(ecs.mock.commandCalls(StopTaskCommand)[0]!.args[0].input).toMatchObject({
      task: arn(6),
      reason: 'sessionplane: orphan',
    });
  });

  it("ends a launch FAILED with ECS's placement failure reason (one that is not of capacity: that one waits)", async () => {
    ecs.failNextRun = 'ATTRIBUTE';
    await expect(launchSession(deps, { owner: 'gus', app: 'web' })).rejects.toMatchObject({
      code: 'runtime.start_failed',
    });
    const [s] = (await deps.store.listByOwner('gus')).items;
    expect(s).toMatchObject({ status: 'FAILED' });
    expect(s!.statusReason).toMatch(/^ATTRIBUTE: ECS could not place the task/);
  });
  it("records a launch's steps from ECS's own timestamps, each once, whatever the order and repeats of the events (#15)", async () => {
    const s = await seed({ status: 'STARTING', runtime: { kind: 'ecs', runtimeId: arn(9) } });
    const at = (second: number) => `2026-11-22T07:57:${String(second).padStart(2, '0')}.000Z`;
    // What ECS sends for one Fargate task, as it sends them: PROVISIONING, PENDING (ENI attached),
    // pull started, pull done, RUNNING; each carries every timestamp reached so far.
    const provisioning = { lastStatus: 'PROVISIONING', createdAt: at(1), version: 1 };
    const pending = { ...provisioning, lastStatus: 'PENDING', connectivityAt: at(12), version: 2 };
    const pulling = { ...pending, pullStartedAt: at(13), version: 3 };
    const pulled = { ...pulling, pullStoppedAt: at(40), version: 4 };
    const running = { ...pulled, lastStatus: 'RUNNING', startedAt: at(44), version: 5 };
    const deliver = (detail: object) => handleTaskEvent(deps, taskEvent(s.id, arn(9), { ip: '127.0.0.1', ...detail }));
    // Delivered out of order and twice: pending before provisioning, pulled twice, pulling late.
    await deliver(pending);
    await deliver(provisioning);
    await deliver(pulled);
    await deliver(pulled);
    await deliver(pulling);
    expect(await deliver(running)).toBe('ready');
    await deliver(running);
    const events = await deps.events.list(s.id);
    // Every event carries the timestamps reached so far, so even the first one delivered (PENDING)
    // records placement before the network: the log is in ECS's order, each step once.
    expect(events.map((e) => e.phase)).toEqual([
      'placed',
      'network',
      'pulling',
      'pulled',
      'started',
      'probing',
      'ready',
    ]);
    expect(events.map((e) => e.id)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    const timeOf = Object.fromEntries(events.map((e) => [e.phase, new Date(e.at).toISOString()]));
    expect(timeOf).toMatchObject({ placed: at(1), network: at(12), pulling: at(13), pulled: at(40), started: at(44) });
    // Where a minute of start went: the timings sort the steps by their own time.
    expect(launchTimings(events)).toMatchObject({ network: 11_000, pulling: 1000, pulled: 27_000, started: 4000 });
    // The STOPPED event: ECS's stopping step and the session's end, once each, even delivered twice.
    const stopped = {
      ...running,
      lastStatus: 'STOPPED',
      desiredStatus: 'STOPPED',
      stoppingAt: at(59),
      stopCode: 'UserInitiated',
      version: 7,
    };
    await deliver(stopped);
    await deliver(stopped);
    const after = (await deps.events.list(s.id)).slice(7);
    expect(after.map((e) => e.phase)).toEqual(['stopping', 'stopped']);
    expect(after[0]!.message).toContain('UserInitiated');
  });
});
