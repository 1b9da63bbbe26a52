import {
  ConflictException,
  DescribeTasksCommand,
  InvalidParameterException,
  ListTasksCommand,
  RunTaskCommand,
  StopTaskCommand,
  type ECSClient,
} from '@aws-sdk/client-ecs';
import type { AppSpec } from '../../../domain/app';
import { RuntimeStartError } from '../../../domain/errors';
import { once } from '../../../domain/events';
import { STATUS_REASONS } from '../../../domain/session';
import type {
  Inspection,
  InspectHint,
  ManagedInstance,
  Runtime,
  RuntimeEvent,
  StartRequest,
  StartResult,
} from '../../../ports/runtime';
import { busyIfThrottled } from '../../aws/aws-busy';
import type { KmsSecretSealer } from './secret-sealer';
import { placementError, privateIpOf, stopOf, TASK_PHASES } from './task-fields';
import { taskOverrides } from './task-overrides';
import { efsMounts, groupSecretsOf } from './revision-input';
import type { RevisionVariant, TaskDefinitionRegistry } from './task-definition-registry';
import { LABELLED_APPS_TASK } from '../../../config/table';

export interface EcsRuntimeOptions {
  cluster: string;
  subnets: string[];
  securityGroups: string[];
  /** Task definition family of app X: `<prefix>X` (one per app, made by the CDK stack). */
  taskFamilyPrefix: string;
  /** The container that runs the app in each task definition. */
  containerName: string;
  /** The EC2 capacity provider for apps with gpus > 0. */
  gpuCapacityProvider?: string | undefined;
  /** Every app name, for the orphan sweep's ListTasks by family. */
  appNames: () => string[];
  /**
   * The app's base task definition, `family:revision` as the stack deployed it. Pinned rather than
   * the family alone: the registry adds revisions to the family, and RunTask of a bare family runs
   * its latest. Default: the family, for deployments that register no images.
   */
  baseTaskDefinition?: (app: string) => string | undefined;
  /** Registers task definitions for images without one (custom images); without it they cannot run. */
  registry?: TaskDefinitionRegistry | undefined;
  /** The EFS file system users' homes are on (their access points' file system), and group volumes'. */
  homesFileSystemId?: string | undefined;
  /** Each group volume's access point on that file system, by the volume's name (the stack makes them). */
  volumeAccessPoints?: Readonly<Record<string, string>> | undefined;
  /**
   * Seals the session secret for apps whose image carries the entrypoint that unseals it (apps the
   * stack builds, `build`): their RunTask carries ciphertext only. Without it, or for other images,
   * the secret goes in the overrides as `SESSION_SECRET`.
   */
  sealer?: Pick<KmsSecretSealer, 'seal'> | undefined;
  now?: () => number;
}

/** startedBy (≤ 36 characters): `sp-` and the 32 hex digits of the session id. */
const STARTED_BY_PREFIX = 'sp-';
const startedByOf = (sessionId: string) => `${STARTED_BY_PREFIX}${sessionId}`;
export const sessionIdOf = (startedBy: string | undefined) =>
  startedBy?.startsWith(STARTED_BY_PREFIX) ? startedBy.slice(STARTED_BY_PREFIX.length) : undefined;

/** A task this young that DescribeTasks does not know yet is still starting (eventual consistency). */
const MISSING_GRACE_MS = 60_000;

/**
 * Sessions as ECS tasks: one RunTask per session (Fargate, Fargate Spot, or the EC2 GPU capacity
 * provider), private subnets, no public IP. The session id is RunTask's clientToken, so a retried
 * start returns the same task. Readiness comes from task-events, not from here.
 */
export class EcsRuntime implements Runtime {
  readonly kind = 'ecs';
  private readonly now: () => number;

  constructor(
    private readonly ecs: ECSClient,
    private readonly options: EcsRuntimeOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  /** The session each task the last listing found was started for ('' for none): see list(). */
  private sessionsOfTasks = new Map<string, string>();

  async start({ session, app, secret, home, activityUrl, volumes }: StartRequest): Promise<StartResult> {
    const { overrides, ownImage } = await taskOverrides({
      session,
      app,
      secret,
      home,
      activityUrl,
      containerName: this.options.containerName,
      sealer: this.options.sealer,
    });
    const gpus = session.resources.gpus;
    // What this session's task adds to its app's definition: its user's home, its group volumes and secrets.
    const added = { ...efsMounts(this.options, home, volumes), ...groupSecretsOf(app, session) };
    const command$ = new RunTaskCommand({
      cluster: this.options.cluster,
      taskDefinition: app.fromLabels
        ? await this.labelledTaskDefinition(app, session.image ?? app.image!, added)
        : await this.taskDefinitionFor(app, ownImage ? undefined : session.image, added),
      count: 1,
      clientToken: session.id,
      startedBy: startedByOf(session.id),
      capacityProviderStrategy: [{ capacityProvider: gpus > 0 ? this.gpuProvider(app) : app.capacity, weight: 1 }],
      networkConfiguration: {
        awsvpcConfiguration: {
          subnets: this.options.subnets,
          securityGroups: this.options.securityGroups,
          assignPublicIp: 'DISABLED',
        },
      },
      overrides,
      enableECSManagedTags: true,
      tags: [
        { key: 'sessionplane:session', value: session.id },
        { key: 'sessionplane:owner', value: session.owner.slice(0, 256) },
        { key: 'sessionplane:app', value: app.name },
        { key: 'sessionplane:port', value: String(app.containerPort) },
      ],
    });
    try {
      const reply = await busyIfThrottled('ECS RunTask', this.ecs.send(command$));
      const failure = reply.failures?.[0];
      if (failure) throw placementError(failure);
      const arn = reply.tasks?.[0]?.taskArn;
      if (!arn) throw new RuntimeStartError('ECS returned no task.', { reason: 'ecs-no-task' });
      const capacity = command$.input.capacityProviderStrategy?.[0]?.capacityProvider;
      return {
        runtimeId: arn,
        phases: [once('placed', this.now(), `ECS accepted the task${capacity ? ` on ${capacity}` : ''}; placing it.`)],
      };
    } catch (error) {
      // The same clientToken again (a retried launch): ECS names the task it already started.
      if (error instanceof ConflictException && error.resourceIds?.[0]) return { runtimeId: error.resourceIds[0] };
      throw error;
    }
  }

  /** The app's base definition, or for another image, a user's home or group volumes the registry's revision of it. */
  private async taskDefinitionFor(
    app: AppSpec,
    otherImage: string | undefined,
    mounts: Omit<RevisionVariant, 'image'>,
  ): Promise<string> {
    const base = this.options.baseTaskDefinition?.(app.name) ?? `${this.options.taskFamilyPrefix}${app.name}`;
    if (otherImage === undefined && !mounts.home && !mounts.volumes && !mounts.secrets) return base;
    if (!this.options.registry)
      throw new RuntimeStartError(
        `App ${app.name} cannot run another image here: no task-definition registry is configured.`,
        { reason: 'no-registry' },
      );
    return this.options.registry.resolve(app.name, base, { image: otherImage, ...mounts });
  }

  /**
   * An app its image's labels describe has no task definition of its own: it runs in a registry
   * revision of the stack's generic one (LABELLED_APPS_TASK), with its image in place.
   */
  private async labelledTaskDefinition(
    app: AppSpec,
    image: string,
    mounts: Omit<RevisionVariant, 'image'>,
  ): Promise<string> {
    const base =
      this.options.baseTaskDefinition?.(LABELLED_APPS_TASK) ?? `${this.options.taskFamilyPrefix}${LABELLED_APPS_TASK}`;
    if (!this.options.registry)
      throw new RuntimeStartError(`App ${app.name} cannot run here: no task-definition registry is configured.`, {
        reason: 'no-registry',
      });
    return this.options.registry.resolve(app.name, base, { image, ...mounts });
  }

  /** Deregisters the registry's revisions nobody launched for a long while (the reaper's pass). */
  async tidy(): Promise<{ removed: number }> {
    if (!this.options.registry) return { removed: 0 };
    const { deregistered } = await this.options.registry.pruneUnused();
    return { removed: deregistered.length };
  }

  private gpuProvider(app: AppSpec): string {
    if (!this.options.gpuCapacityProvider)
      throw new RuntimeStartError(`App ${app.name} needs GPUs, but no GPU capacity provider is configured.`, {
        reason: 'RESOURCE:GPU',
      });
    return this.options.gpuCapacityProvider;
  }

  async inspect(runtimeId: string, hint: InspectHint = {}): Promise<Inspection> {
    const reply = await busyIfThrottled(
      'ECS DescribeTasks',
      this.ecs.send(new DescribeTasksCommand({ cluster: this.options.cluster, tasks: [runtimeId], include: ['TAGS'] })),
    );
    const task = reply.tasks?.[0];
    if (!task) {
      const young = hint.startedAt !== undefined && this.now() - hint.startedAt < MISSING_GRACE_MS;
      return young ? { phase: 'starting' } : { phase: 'stopped', exit: { reason: STATUS_REASONS.lost } };
    }
    const phase = TASK_PHASES[task.lastStatus ?? ''] ?? 'unknown';
    const ip = privateIpOf(task);
    const port = task.tags?.find((t) => t.key === 'sessionplane:port')?.value;
    const inspection: Inspection = { phase, ...(ip && port ? { endpoint: `${ip}:${port}` } : {}) };
    if (phase === 'stopped') {
      const { code, reason } = stopOf(task, this.options.containerName);
      inspection.exit = { code, reason: reason || STATUS_REASONS.stopped };
    }
    return inspection;
  }

  async stop(runtimeId: string, reason: string): Promise<{ confirmed: boolean }> {
    this.sessionsOfTasks.delete(runtimeId);
    try {
      const reply = await busyIfThrottled(
        'ECS StopTask',
        this.ecs.send(
          new StopTaskCommand({
            cluster: this.options.cluster,
            task: runtimeId,
            reason: `sessionplane: ${reason}`.slice(0, 255),
          }),
        ),
      );
      // ECS stops asynchronously; the STOPPED task event confirms. Already stopped: confirmed now.
      return { confirmed: reply.task?.lastStatus === 'STOPPED' };
    } catch (error) {
      // Unknown or long gone: nothing is running.
      if (error instanceof InvalidParameterException && /not found/i.test(error.message)) return { confirmed: true };
      throw error;
    }
  }

  async list(): Promise<ManagedInstance[]> {
    const found: ManagedInstance[] = [];
    // Which session each task listed last time was started for: only tasks new since then are described (#40: at
    // 10,000 tasks, describing all of them each minute took 100 of the read bucket's 100-call burst).
    const known = new Map<string, string>();
    for (const app of this.options.appNames()) {
      let nextToken: string | undefined;
      do {
        const page = await busyIfThrottled(
          'ECS ListTasks',
          this.ecs.send(
            new ListTasksCommand({
              cluster: this.options.cluster,
              family: `${this.options.taskFamilyPrefix}${app}`,
              // ECS's default, said: a stopped task (its desired status STOPPED at once) is never listed, so one
              // remembered from the last listing is listed again only while it runs (emulators list every task).
              desiredStatus: 'RUNNING',
              nextToken,
            }),
          ),
        );
        nextToken = page.nextToken;
        const arns = page.taskArns ?? [];
        for (const arn of arns) {
          const sessionId = this.sessionsOfTasks.get(arn);
          if (sessionId !== undefined) known.set(arn, sessionId);
        }
        const unknown = arns.filter((arn) => !known.has(arn));
        for (let i = 0; i < unknown.length; i += 100) {
          const described = await busyIfThrottled(
            'ECS DescribeTasks',
            this.ecs.send(
              new DescribeTasksCommand({ cluster: this.options.cluster, tasks: unknown.slice(i, i + 100) }),
            ),
          );
          for (const task of described.tasks ?? []) {
            if (!task.taskArn || task.lastStatus === 'STOPPED') continue;
            // A task not started for a session ('' here) is remembered too, and never listed.
            known.set(task.taskArn, sessionIdOf(task.startedBy) ?? '');
          }
        }
      } while (nextToken);
    }
    // Kept for the next listing: only what this one found (a task that stopped is not listed again).
    this.sessionsOfTasks = known;
    for (const [runtimeId, sessionId] of known) if (sessionId) found.push({ runtimeId, sessionId });
    return found;
  }

  /** ECS reports through EventBridge to the task-events function, not to this process. */
  onEvent(_listener: (event: RuntimeEvent) => void): () => void {
    return () => undefined;
  }
}
