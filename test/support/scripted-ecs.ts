import {
  ClientException,
  ConflictException,
  DeregisterTaskDefinitionCommand,
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  ECSClient,
  ECSServiceException,
  InvalidParameterException,
  ListTasksCommand,
  RegisterTaskDefinitionCommand,
  RunTaskCommand,
  StopTaskCommand,
  type RegisterTaskDefinitionCommandInput,
  type RunTaskCommandInput,
  type Task,
  type TaskDefinition,
} from '@aws-sdk/client-ecs';
import { mockClient, type AwsClientStub } from 'aws-sdk-client-mock';
import { EcsRuntime } from '../../shared/adapters/runtime/ecs/ecs-runtime';
import { CLUSTER_ARN } from './ecs-events';

const ORDER = ['PROVISIONING', 'PENDING', 'RUNNING'];

/**
 * A scripted ECS behind aws-sdk-client-mock: tasks move PROVISIONING → PENDING → RUNNING one
 * step per tick(), and STOPPING → STOPPED after a stop. Knobs make the next calls fail the ways
 * ECS does. Every command sent stays inspectable through `mock`.
 */
export class ScriptedEcs {
  readonly client = new ECSClient({ region: 'eu-west-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
  readonly mock: AwsClientStub<ECSClient>;
  readonly tasks = new Map<string, Task>();
  /** clientToken → the task it started and the request it came with. */
  private readonly byToken = new Map<string, { arn: string; request: string }>();
  private ip = 10;
  /** The next RunTask answers with this failure reason. */
  failNextRun: string | undefined;
  /** The next N calls (any command) are throttled. */
  throttleNext = 0;
  /** New tasks are missing from DescribeTasks until the next tick. */
  missingUntilTick = false;
  private readonly hidden = new Set<string>();

  /** `everyClient`: also script the ECS clients other modules make (the Lambda entries). */
  private readonly pageSize: number;

  /** `pageSize`: ListTasks answers this many a page (ECS: up to 100; small here so callers must page). */
  constructor(options: { everyClient?: boolean; pageSize?: number } = {}) {
    this.pageSize = options.pageSize ?? 2;
    this.mock = options.everyClient ? mockClient(ECSClient) : mockClient(this.client);
    this.mock.on(RunTaskCommand).callsFake((input: RunTaskCommandInput) => this.throttled() ?? this.run(input));
    this.mock.on(DescribeTasksCommand).callsFake((input) => this.throttled() ?? this.describe(input.tasks ?? []));
    this.mock.on(StopTaskCommand).callsFake((input) => this.throttled() ?? this.stop(input.task!));
    this.mock.on(ListTasksCommand).callsFake((input) => this.throttled() ?? this.list(input.family, input.nextToken));
    this.mock
      .on(DescribeTaskDefinitionCommand)
      .callsFake((input) => this.throttled() ?? { taskDefinition: this.definition(input.taskDefinition!) });
    this.mock.on(RegisterTaskDefinitionCommand).callsFake((input) => this.throttled() ?? this.register(input));
    this.mock.on(DeregisterTaskDefinitionCommand).callsFake((input) => {
      const def = this.definition(input.taskDefinition!);
      def.status = 'INACTIVE';
      return { taskDefinition: def };
    });
  }

  /** Task definitions by ARN, in registration order; `status` INACTIVE once deregistered. */
  readonly definitions = new Map<string, TaskDefinition>();
  /** RegisterTaskDefinition takes this long (ms), so racing first launches overlap it. */
  registerDelayMs = 0;

  private register(
    input: RegisterTaskDefinitionCommandInput,
  ): Promise<{ taskDefinition: TaskDefinition }> | { taskDefinition: TaskDefinition } {
    const done = () => {
      const revision =
        Math.max(
          0,
          ...[...this.definitions.values()].filter((d) => d.family === input.family).map((d) => d.revision ?? 0),
        ) + 1;
      const taskDefinitionArn = `arn:aws:ecs:eu-west-1:123456789012:task-definition/${input.family}:${revision}`;
      const { tags: _tags, ...fields } = input;
      const def: TaskDefinition = {
        ...(fields as TaskDefinition),
        taskDefinitionArn,
        revision,
        status: 'ACTIVE',
        registeredAt: new Date(),
      };
      this.definitions.set(taskDefinitionArn, def);
      return { taskDefinition: def };
    };
    return this.registerDelayMs ? new Promise((r) => setTimeout(() => r(done()), this.registerDelayMs)) : done();
  }

  /** `family`, `family:revision` or an ARN, as ECS resolves them (a bare family: its latest ACTIVE revision). */
  private definition(ref: string): TaskDefinition {
    const name = ref.includes('task-definition/') ? ref.split('task-definition/')[1]! : ref;
    const [family, revision] = name.split(':');
    const matches = [...this.definitions.values()].filter(
      (d) => d.family === family && (revision ? d.revision === Number(revision) : d.status === 'ACTIVE'),
    );
    const def = matches.at(-1);
    if (!def) throw new ClientException({ message: 'Unable to describe task definition.', $metadata: {} });
    return def;
  }

  /** One step for every task. */
  tick(): void {
    this.hidden.clear();
    for (const task of this.tasks.values()) {
      if (task.desiredStatus === 'STOPPED') {
        task.lastStatus = 'STOPPED';
        task.stoppedAt = new Date();
        continue;
      }
      const i = ORDER.indexOf(task.lastStatus!);
      if (i >= 0 && i < ORDER.length - 1) task.lastStatus = ORDER[i + 1];
    }
  }

  /** The task's app process ends by itself. */
  exit(arn: string, exitCode: number, stoppedReason = 'Essential container in task exited'): void {
    const task = this.tasks.get(arn)!;
    Object.assign(task, {
      desiredStatus: 'STOPPED',
      lastStatus: 'STOPPED',
      stopCode: 'EssentialContainerExited',
      stoppedReason,
    });
    task.containers![0]!.exitCode = exitCode;
  }

  private throttled(): never | undefined {
    if (this.throttleNext <= 0) return undefined;
    this.throttleNext--;
    const error = new ECSServiceException({
      name: 'ThrottlingException',
      $fault: 'client',
      $metadata: { httpStatusCode: 400 },
      message: 'Rate exceeded',
    });
    throw Object.assign(error, { $retryable: { throttling: true } });
  }

  private run(input: RunTaskCommandInput) {
    if (this.failNextRun) {
      const reason = this.failNextRun;
      this.failNextRun = undefined;
      return { tasks: [], failures: [{ reason, detail: 'scripted' }] };
    }
    const existing = input.clientToken ? this.byToken.get(input.clientToken) : undefined;
    if (existing) {
      // ECS: the same token and request again is the same task; with other parameters, a conflict naming it.
      if (existing.request !== JSON.stringify(input))
        throw new ConflictException({ message: 'clientToken reused', $metadata: {}, resourceIds: [existing.arn] });
      return { tasks: [this.tasks.get(existing.arn)], failures: [] };
    }
    const arn = `arn:aws:ecs:eu-west-1:123456789012:task/sessions/${(this.tasks.size + 1).toString(16).padStart(32, '0')}`;
    const task: Task = {
      taskArn: arn,
      taskDefinitionArn: input.taskDefinition!.startsWith('arn:')
        ? input.taskDefinition
        : `arn:aws:ecs:eu-west-1:123456789012:task-definition/${input.taskDefinition}${input.taskDefinition!.includes(':') ? '' : ':1'}`,
      group: `family:${input.taskDefinition!.replace(/^.*task-definition\//, '').split(':')[0]}`,
      startedBy: input.startedBy,
      lastStatus: 'PROVISIONING',
      desiredStatus: 'RUNNING',
      overrides: input.overrides,
      tags: input.tags,
      attachments: [
        {
          type: 'ElasticNetworkInterface',
          status: 'ATTACHED',
          details: [
            { name: 'subnetId', value: 'subnet-1' },
            { name: 'privateIPv4Address', value: `10.0.1.${this.ip++}` },
          ],
        },
      ],
      containers: [{ name: 'app', lastStatus: 'PENDING' }],
    };
    this.tasks.set(arn, task);
    if (input.clientToken) this.byToken.set(input.clientToken, { arn, request: JSON.stringify(input) });
    if (this.missingUntilTick) this.hidden.add(arn);
    return { tasks: [task], failures: [] };
  }

  private describe(arns: string[]) {
    const tasks = arns.map((a) => this.tasks.get(a)).filter((t): t is Task => !!t && !this.hidden.has(t.taskArn!));
    const failures = arns.filter((a) => !tasks.some((t) => t.taskArn === a)).map((arn) => ({ arn, reason: 'MISSING' }));
    return { tasks, failures };
  }

  private stop(arn: string) {
    const task = this.tasks.get(arn);
    if (!task) throw new InvalidParameterException({ message: 'The referenced task was not found.', $metadata: {} });
    if (task.lastStatus !== 'STOPPED')
      Object.assign(task, {
        desiredStatus: 'STOPPED',
        lastStatus: 'DEACTIVATING',
        stopCode: 'UserInitiated',
        stoppedReason: 'Task stopped by user',
      });
    return { task };
  }

  private list(family: string | undefined, nextToken: string | undefined) {
    const arns = [...this.tasks.values()]
      .filter((t) => t.group === `family:${family}` && t.desiredStatus !== 'STOPPED')
      .map((t) => t.taskArn!);
    const from = Number(nextToken ?? 0);
    const to = from + this.pageSize;
    return { taskArns: arns.slice(from, to), nextToken: to < arns.length ? String(to) : undefined };
  }
}

/** The ECS runtime the task-events and pool tests drive: this cluster, one subnet and group, apps `names`. */
export function scriptedEcsRuntime(ecs: ScriptedEcs, names: string[]): EcsRuntime {
  return new EcsRuntime(ecs.client, {
    cluster: CLUSTER_ARN,
    subnets: ['s'],
    securityGroups: ['g'],
    taskFamilyPrefix: 'sessionplane-',
    containerName: 'app',
    appNames: () => names,
  });
}
