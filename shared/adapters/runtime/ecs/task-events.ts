import type { Task } from '@aws-sdk/client-ecs';
import { type EventPhase, type NewSessionEvent, once } from '../../../domain/events';
import { sessionIdOf } from './ecs-runtime';
import { privateIpOf, stopOf } from './task-fields';

/** The EventBridge "ECS Task State Change" event: `detail` is the task, as DescribeTasks has it. */
export interface TaskStateChangeEvent {
  'detail-type': string;
  source: string;
  detail: Task & { version?: number; clusterArn?: string };
}

/** What an ECS task event says about one of our sessions, in the runtime's own terms. */
export interface TaskChange {
  sessionId: string;
  /** The task ARN: the runtime id of the session's instance. */
  runtimeId: string;
  /** ECS's detail.version: older or repeated events change nothing. */
  version?: number;
  /** The task has stopped: its essential container's exit code, and ECS's stop code and reason. */
  stopped?: { code: number | null; reason: string };
  /** The task is running and meant to stay so (a Spot interruption is RUNNING with desiredStatus STOPPED). */
  running?: { privateIp: string | undefined };
  /** ECS is stopping it (desiredStatus STOPPED). */
  stopping: boolean;
  /** The steps the task has been through, from its own timestamps (every event carries all it has reached so far). */
  phases: NewSessionEvent[];
}

/** ECS's timestamps of a task's steps (Dates from the SDK, ISO strings in EventBridge's JSON). */
const TASK_STEPS: [keyof Task, EventPhase, string][] = [
  ['createdAt', 'placed', 'ECS placed the task (PROVISIONING).'],
  ['connectivityAt', 'network', 'The network interface is attached.'],
  ['pullStartedAt', 'pulling', 'Pulling the image.'],
  ['pullStoppedAt', 'pulled', 'The image is pulled.'],
  ['startedAt', 'started', 'The container started.'],
  ['stoppingAt', 'stopping', 'ECS is stopping the task.'],
];

/** The steps `task` has reached, in time order, each once by its phase. */
function taskPhases(task: Task): NewSessionEvent[] {
  const phases: NewSessionEvent[] = [];
  for (const [field, phase, message] of TASK_STEPS) {
    const value = task[field] as Date | string | undefined;
    const at = value === undefined ? Number.NaN : new Date(value).getTime();
    if (!Number.isFinite(at)) continue;
    const why = phase === 'stopping' ? [task.stopCode, task.stoppedReason].filter(Boolean).join(': ') : '';
    phases.push(once(phase, at, why ? `${message.slice(0, -1)} (${why}).` : message));
  }
  return phases.sort((a, b) => a.at - b.at);
}

/**
 * Reads an ECS Task State Change event of this cluster into a TaskChange, or undefined when it is
 * not ours (another cluster, a task we did not start, another event type). All ECS knowledge of
 * the task-events function lives here; the function applies the change to the session.
 */
export function readTaskEvent(
  event: TaskStateChangeEvent,
  cluster: { clusterArn: string; containerName: string },
): TaskChange | undefined {
  const task = event.detail;
  const sessionId = sessionIdOf(task.startedBy);
  if (
    event['detail-type'] !== 'ECS Task State Change' ||
    task.clusterArn !== cluster.clusterArn ||
    !sessionId ||
    !task.taskArn
  )
    return undefined;
  const change: TaskChange = {
    sessionId,
    runtimeId: task.taskArn,
    stopping: task.desiredStatus === 'STOPPED',
    phases: taskPhases(task),
    ...(task.version !== undefined ? { version: task.version } : {}),
  };
  if (task.lastStatus === 'STOPPED') {
    const { code, reason } = stopOf(task, cluster.containerName);
    change.stopped = { code, reason: reason || 'stopped' };
  } else if (task.lastStatus === 'RUNNING' && task.desiredStatus === 'RUNNING') {
    change.running = { privateIp: privateIpOf(task) };
  }
  return change;
}
