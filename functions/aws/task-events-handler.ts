import { readTaskEvent, type TaskStateChangeEvent } from '../../shared/adapters/runtime/ecs/task-events';
import { awaitTaskReady, type TaskProbe, taskReadiness } from '../../shared/adapters/runtime/ecs/task-readiness';
import { probingPhase } from '../../shared/domain/events';
import { isFinal, isStarting, STATUS_REASONS } from '../../shared/domain/session';
import type { ServiceDeps } from '../../shared/services/deps';
import { handleRuntimeEvent } from '../../shared/services/runtime-events';
import { recordEvents } from '../../shared/services/session-events';

export type { TaskStateChangeEvent } from '../../shared/adapters/runtime/ecs/task-events';

export interface TaskEventsDeps extends ServiceDeps {
  /** This deployment's cluster ARN: events of other clusters change nothing. */
  clusterArn: string;
  containerName: string;
  /** Whether host:port accepts a connection (from inside the VPC). */
  probe?: TaskProbe;
  probeIntervalMs?: number;
}

export type Outcome = 'ignored' | 'ready' | 'launch-timeout' | 'stopped' | 'orphan-stopped';

/**
 * Applies one task event. RUNNING: the session becomes READY once its app passes its readiness
 * check (HTTP path, or TCP), probed until its launch deadline (then FAILED, and the task is stopped). STOPPED:
 * STOPPED or FAILED with ECS's stopCode and reason. Duplicate and stale events (detail.version)
 * change nothing; a task of ours with no live session is stopped.
 */
// Over 60 lines: one ECS event's cases in turn (not ours, stopped, running, ready or timed out).
export async function handleTaskEvent(deps: TaskEventsDeps, event: TaskStateChangeEvent): Promise<Outcome> {
  const change = readTaskEvent(event, deps);
  if (!change) return 'ignored';
  const { sessionId, runtimeId } = change;
  const log = { sessionId, taskArn: runtimeId, lastStatus: event.detail.lastStatus, version: change.version };
  const session = await deps.store.get(sessionId);
  // No session has this id: a warm pool's instance, whose record says the same things a session's does.
  const pooled = !session && deps.pools ? await deps.pools.store.get(sessionId) : undefined;
  if ((!session && !pooled) || (session && isFinal(session.status) && !change.stopped)) {
    if (change.stopping) return 'ignored';
    deps.logger.warn(log, 'task with no live session: stopping it');
    await deps.runtime.stop(runtimeId, STATUS_REASONS.orphan);
    return 'orphan-stopped';
  }
  const of = session
    ? {
        app: session.app,
        launchDeadline: session.launchDeadline,
        starting: isStarting(session.status),
        ready: session.status === 'READY',
      }
    : {
        app: pooled!.app,
        launchDeadline: pooled!.launchDeadline,
        starting: pooled!.state === 'STARTING',
        ready: pooled!.state !== 'STARTING',
      };
  const base = { sessionId, runtimeId, ...(change.version !== undefined ? { version: change.version } : {}) };
  // Written once each by key, whatever order ECS delivers its events in, and however often.
  await recordEvents(deps, sessionId, change.phases);

  if (change.stopped) {
    const after = await handleRuntimeEvent(deps, {
      ...base,
      type: 'exited',
      code: change.stopped.code,
      signal: null,
      wasReady: of.ready,
      reason: change.stopped.reason,
    });
    deps.logger.info({ ...log, status: after?.status }, 'task stopped');
    return 'stopped';
  }

  // (A Spot interruption notice is RUNNING with desiredStatus STOPPED: the STOPPED event follows.)
  if (!change.running || !of.starting) return 'ignored';
  const ip = change.running.privateIp;
  await deps.apps.refresh();
  const app = deps.apps.get(of.app);
  if (!ip || !app) return 'ignored';
  await recordEvents(deps, sessionId, [probingPhase(taskReadiness(app), deps.clock.now())]);
  const endpoint = await awaitTaskReady({
    app,
    privateIp: ip,
    deadline: of.launchDeadline,
    now: () => deps.clock.now(),
    ...(deps.probe ? { probe: deps.probe } : {}),
    ...(deps.probeIntervalMs !== undefined ? { intervalMs: deps.probeIntervalMs } : {}),
  });
  if (endpoint) {
    await handleRuntimeEvent(deps, { ...base, type: 'ready', endpoint });
    return 'ready';
  }
  deps.logger.warn({ ...log, launchTimeoutMs: app.launchTimeoutMs }, 'task running but its app port never answered');
  await handleRuntimeEvent(deps, { ...base, type: 'failed', reason: STATUS_REASONS.launchTimeout });
  await deps.runtime.stop(runtimeId, STATUS_REASONS.launchTimeout);
  return 'launch-timeout';
}
