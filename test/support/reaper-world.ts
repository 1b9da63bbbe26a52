import { StopTaskCommand } from '@aws-sdk/client-ecs';
import { createDocumentClient } from '../../shared/adapters/dynamodb/dynamodb-client';
import { ensureSessionsTable } from '../../shared/adapters/dynamodb/dynamodb-table';
import type { EmbeddedDynamoDb } from '../../shared/adapters/dynamodb/embedded-dynamodb';
import { EcsRuntime } from '../../shared/adapters/runtime/ecs/ecs-runtime';
import { TaskDefinitionRegistry } from '../../shared/adapters/runtime/ecs/task-definition-registry';
import type { Session } from '../../shared/domain/session';
import type { Metrics } from '../../shared/ports/metrics';
import { handleRuntimeEvent } from '../../shared/services/runtime-events';
import { launchSession } from '../../shared/services/launch';
import type { LaunchDeps } from '../../shared/services/deps';
import { fixtureApp } from './apps';
import { ScriptedEcs } from './scripted-ecs';
import { makeServiceDeps } from './services';

export const IDLE_MS = 180_000;
export const LIFETIME_MS = 4 * 86_400_000;

/**
 * A control plane on a fake clock: dynalite, the ECS runtime over a scripted ECS, and counters
 * of what happened to each session (final transitions, quota releases) for the invariants.
 */
export async function reaperWorld(db: EmbeddedDynamoDb, app: { idleTimeoutMs?: number } = {}) {
  let now = 1_800_000_000_000;
  const clock = { now: () => now };
  const client = createDocumentClient({ endpoint: db.endpoint, region: 'local' });
  const table = `reap-${Math.random().toString(36).slice(2, 8)}`;
  await ensureSessionsTable(client, table);
  const commands: string[] = [];
  client.middlewareStack.add(
    (next, context) => async (args) => {
      commands.push(context.commandName ?? '?');
      return next(args);
    },
    { step: 'initialize', name: 'countCommands' },
  );
  const ecs = new ScriptedEcs();
  // The task-definition registry, its records in the same table, for the reaper's tidy step.
  const registry = new TaskDefinitionRegistry(ecs.client, client, {
    tableName: table,
    containerName: 'app',
    now: clock.now,
  });
  const runtime = new EcsRuntime(ecs.client, {
    registry,
    cluster: 'sessions',
    subnets: ['s'],
    securityGroups: ['g'],
    taskFamilyPrefix: 'sp-',
    containerName: 'app',
    appNames: () => ['web'],
    now: clock.now,
  });
  const reaped: Record<string, number> = {};
  const metrics: Metrics = {
    launchToReady() {},
    launchPhase() {},
    sessionFailed() {},
    liveSessions() {},
    poolClaim() {},
    poolReady() {},
    poolPaused() {},
    sessionSeconds() {},
    sessionsReaped: (reason, n) => (reaped[reason] = (reaped[reason] ?? 0) + n),
  };
  const deps: LaunchDeps = makeServiceDeps(
    client,
    table,
    runtime,
    {
      web: {
        ...fixtureApp([], { idleTimeoutMs: IDLE_MS, maxLifetimeMs: LIFETIME_MS, launchTimeoutMs: 25_000, ...app }),
        command: [],
      },
    },
    { clock, metrics },
  );

  // Count each session's final transitions and each quota release: "stopped exactly once".
  const finals = new Map<string, number>();
  const releases = new Map<string, number>();
  const transition = deps.store.transition.bind(deps.store);
  deps.store.transition = async (current, next) => {
    const written = await transition(current, next);
    if (['STOPPED', 'FAILED'].includes(written.status)) finals.set(written.id, (finals.get(written.id) ?? 0) + 1);
    return written;
  };
  const release = deps.quotas.release.bind(deps.quotas);
  deps.quotas.release = async (owner, resources) => {
    releases.set(owner, (releases.get(owner) ?? 0) + 1);
    return release(owner, resources);
  };

  /** Launches a session and takes it to READY, as task-events would. */
  async function ready(owner = 'alice'): Promise<Session> {
    const { session } = await launchSession(deps, { owner, app: 'web' });
    ecs.tick();
    ecs.tick();
    const arn = session.runtime!.runtimeId;
    return (await handleRuntimeEvent(deps, {
      type: 'ready',
      sessionId: session.id,
      runtimeId: arn,
      endpoint: '10.0.1.9:8080',
    }))!;
  }

  /** Lets ECS finish what it was told, and applies the STOPPED events task-events would see. */
  async function settle(): Promise<void> {
    ecs.tick();
    for (const task of ecs.tasks.values()) {
      const sessionId = task.startedBy?.slice(3);
      if (task.lastStatus === 'STOPPED' && sessionId)
        await handleRuntimeEvent(deps, {
          type: 'exited',
          sessionId,
          runtimeId: task.taskArn!,
          code: 0,
          signal: null,
          wasReady: true,
          reason: task.stopCode ?? 'stopped',
        });
    }
  }

  /** No running task without a live session, no live session without a task, nothing ended twice. */
  async function invariants(): Promise<{ liveWithoutTask: string[]; taskWithoutLive: string[]; endedTwice: string[] }> {
    const live = new Map<string, Session>();
    for await (const s of deps.store.listLive()) if (s.status !== 'PENDING') live.set(s.id, s);
    const running = [...ecs.tasks.values()].filter((t) => t.lastStatus !== 'STOPPED' && t.startedBy?.startsWith('sp-'));
    return {
      liveWithoutTask: [...live.keys()].filter((id) => !running.some((t) => t.startedBy === `sp-${id}`)),
      taskWithoutLive: running.filter((t) => !live.has(t.startedBy!.slice(3))).map((t) => t.taskArn!),
      endedTwice: [...finals].filter(([, n]) => n > 1).map(([id]) => id),
    };
  }

  return {
    deps,
    ecs,
    registry,
    clock,
    commands,
    finals,
    releases,
    reaped,
    ready,
    settle,
    invariants,
    advance: (ms: number) => (now += ms),
    stops: () =>
      ecs.mock
        .commandCalls(StopTaskCommand)
        .map((c) => ({ task: c.args[0].input.task, reason: c.args[0].input.reason })),
  };
}
