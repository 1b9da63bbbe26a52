import { setTimeout as sleep } from 'node:timers/promises';
import type { Task } from '@aws-sdk/client-ecs';
import { privateIpOf, sessionIdOf } from '../../shared/adapters/ecs-runtime';
import { tcpAccepts } from '../../shared/adapters/readiness';
import { isFinal } from '../../shared/domain/session';
import type { RuntimeEvent } from '../../shared/ports/runtime';
import type { ServiceDeps } from '../../shared/services/deps';
import { handleRuntimeEvent } from '../../shared/services/runtime-events';

/** The EventBridge "ECS Task State Change" event: `detail` is the task, as DescribeTasks has it. */
export interface TaskStateChangeEvent {
  'detail-type': string;
  source: string;
  detail: Task & { version?: number; clusterArn?: string };
}

export interface TaskEventsDeps extends ServiceDeps {
  /** This deployment's cluster ARN: events of other clusters change nothing. */
  clusterArn: string;
  containerName: string;
  /** Whether host:port accepts a connection (from inside the VPC). */
  probe?: (host: string, port: number) => Promise<boolean>;
  probeIntervalMs?: number;
}

export type Outcome = 'ignored' | 'ready' | 'launch-timeout' | 'stopped' | 'orphan-stopped';

/**
 * Applies one task event. RUNNING: the session becomes READY once its app port accepts
 * connections, probed until its launch deadline (then FAILED, and the task is stopped). STOPPED:
 * STOPPED or FAILED with ECS's stopCode and reason. Duplicate and stale events (detail.version)
 * change nothing; a task of ours with no live session is stopped.
 */
export async function handleTaskEvent(deps: TaskEventsDeps, event: TaskStateChangeEvent): Promise<Outcome> {
  const task = event.detail;
  const sessionId = sessionIdOf(task.startedBy);
  if (event['detail-type'] !== 'ECS Task State Change' || task.clusterArn !== deps.clusterArn || !sessionId || !task.taskArn) return 'ignored';
  const log = { sessionId, taskArn: task.taskArn, lastStatus: task.lastStatus, version: task.version };
  const session = await deps.store.get(sessionId);
  if (!session || (isFinal(session.status) && task.lastStatus !== 'STOPPED')) {
    if (task.desiredStatus === 'STOPPED') return 'ignored';
    deps.logger.warn(log, 'task with no live session: stopping it');
    await deps.runtime.stop(task.taskArn, 'orphan');
    return 'orphan-stopped';
  }
  const base = { sessionId, runtimeId: task.taskArn, ...(task.version !== undefined ? { version: task.version } : {}) };

  if (task.lastStatus === 'STOPPED') {
    const container = task.containers?.find((c) => c.name === deps.containerName) ?? task.containers?.[0];
    const reason = [task.stopCode, task.stoppedReason].filter(Boolean).join(': ') || 'stopped';
    const after = await handleRuntimeEvent(deps, {
      ...base,
      type: 'exited',
      code: container?.exitCode ?? null,
      signal: null,
      wasReady: session.status === 'READY',
      reason,
    });
    deps.logger.info({ ...log, status: after?.status }, 'task stopped');
    return 'stopped';
  }

  // (A Spot interruption notice is RUNNING with desiredStatus STOPPED: the STOPPED event follows.)
  if (task.lastStatus !== 'RUNNING' || task.desiredStatus !== 'RUNNING' || (session.status !== 'PENDING' && session.status !== 'STARTING')) return 'ignored';
  const ip = privateIpOf(task);
  const app = deps.apps.get(session.app);
  if (!ip || !app) return 'ignored';
  const endpoint = { host: ip, port: app.port ?? 8080 };
  const probe = deps.probe ?? ((host: string, port: number) => tcpAccepts(host, port, 1000));
  while (deps.clock.now() < session.launchDeadline) {
    if (await probe(endpoint.host, endpoint.port)) {
      const ready: RuntimeEvent = { ...base, type: 'ready', endpoint: `${endpoint.host}:${endpoint.port}` };
      await handleRuntimeEvent(deps, ready);
      return 'ready';
    }
    await sleep(deps.probeIntervalMs ?? 500);
  }
  deps.logger.warn({ ...log, launchTimeoutMs: app.launchTimeoutMs }, 'task running but its app port never answered');
  await handleRuntimeEvent(deps, { ...base, type: 'failed', reason: 'launch-timeout' });
  await deps.runtime.stop(task.taskArn, 'launch-timeout');
  return 'launch-timeout';
}
