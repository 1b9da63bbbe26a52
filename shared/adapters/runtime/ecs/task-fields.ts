import type { Task } from '@aws-sdk/client-ecs';
import { CapacityError, RuntimeStartError } from '../../../domain/errors';
import type { Inspection } from '../../../ports/runtime';

/* What ECS's task descriptions say, read the same way from DescribeTasks and from task events. */

/** The task's private IP, from its ENI attachment (awsvpc). DescribeTasks and task events name it differently. */
export function privateIpOf(task: Pick<Task, 'attachments'>): string | undefined {
  const eni = task.attachments?.find((a) => a.type === 'ElasticNetworkInterface' || a.type === 'eni');
  return eni?.details?.find((d) => d.name === 'privateIPv4Address')?.value;
}

/**
 * How a stopped task ended, in the runtime's terms: its essential container's exit code, and ECS's stop code and
 * reason, with the exit code (and the container's own reason, e.g. OutOfMemoryError) when the app ended by itself.
 */
export function stopOf(
  task: Pick<Task, 'containers' | 'stopCode' | 'stoppedReason'>,
  containerName: string,
): { code: number | null; reason: string } {
  const container = task.containers?.find((c) => c.name === containerName) ?? task.containers?.[0];
  const code = container?.exitCode ?? null;
  const own =
    task.stopCode === 'EssentialContainerExited'
      ? [code !== null ? `exit code ${code}` : '', container?.reason ?? ''].filter(Boolean).join(', ')
      : '';
  const reason = [task.stopCode, task.stoppedReason].filter(Boolean).join(': ');
  return { code, reason: reason ? `${reason}${own ? ` (${own})` : ''}` : '' };
}

/**
 * RunTask's failures that mean "not now" rather than "never": an EC2 capacity provider's instances lack the CPU, memory,
 * GPUs or ports (`RESOURCE:*`), Fargate has no capacity in the zone ("Capacity is unavailable at this time…"), or the
 * account's Fargate vCPU quota is used up ("You've reached the limit on the number of vCPUs…": room comes back as tasks
 * end).
 */
function isCapacityFailure(reason: string | undefined): boolean {
  return (
    !!reason &&
    (reason.startsWith('RESOURCE:') ||
      /capacity is unavailable/i.test(reason) ||
      /reached the limit on the number of (vCPUs|tasks) you can run concurrently/i.test(reason))
  );
}

/** A task's lastStatus in the runtime's words. */
export const TASK_PHASES: Record<string, Inspection['phase']> = {
  PROVISIONING: 'starting',
  PENDING: 'starting',
  ACTIVATING: 'starting',
  RUNNING: 'running',
  DEACTIVATING: 'stopping',
  STOPPING: 'stopping',
  DEPROVISIONING: 'stopping',
  STOPPED: 'stopped',
};

/**
 * Why RunTask placed no task: no room now (an instance's resources, Fargate's capacity in the zone), which may wait its
 * turn in the queue, or another reason, which fails the launch.
 */
export function placementError(failure: { reason?: string | undefined; detail?: string | undefined }): Error {
  if (isCapacityFailure(failure.reason))
    return new CapacityError(`ECS has no capacity for the task now: ${failure.reason}.`, 30);
  return new RuntimeStartError(
    `ECS could not place the task: ${failure.reason ?? 'unknown'}${failure.detail ? ` (${failure.detail})` : ''}.`,
    { reason: failure.reason ?? 'ecs-failure' },
  );
}
