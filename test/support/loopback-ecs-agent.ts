import { GetParametersCommand, SSMClient } from '@aws-sdk/client-ssm';
import { type ChildProcess, spawn } from 'node:child_process';
import { constants } from 'node:os';
import {
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  type ECSClient,
  ListTasksCommand,
  type Task,
} from '@aws-sdk/client-ecs';
import {
  type CloudWatchLogsClient,
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  PutLogEventsCommand,
  ResourceAlreadyExistsException,
} from '@aws-sdk/client-cloudwatch-logs';
import type { TaskStateChangeEvent } from '../../functions/aws/task-events-handler';
import { signalGroup } from '../../shared/adapters/runtime/local-process/process-group';

/** How an image runs here: its ENTRYPOINT and WORKDIR (what its Containerfile says), or undefined: it cannot be pulled. */
export type ImageStore = (image: string) => { entryPoint: string[]; cwd: string } | undefined;

interface Running {
  task: Task;
  ip: string;
  child: ChildProcess;
  exited?: { code: number | null };
  version: number;
  reported: 'RUNNING' | 'STOPPED';
  output: string;
  /** Its output's lines on their way to its awslogs stream, in order. */
  shipping: Promise<void>;
}

/** Ignores a create of what exists already. */
const exists = (error: unknown) => {
  if (!(error instanceof ResourceAlreadyExistsException)) throw error;
};

/**
 * The ECS agent and EventBridge, played on this machine for a cluster in moto (which runs no container): each task
 * moto placed runs as a process of its image (`images`), with its task definition's and its overrides' command and
 * environment, and each change is reported as EventBridge's "ECS Task State Change" would report it.
 *
 * One machine stands in for the VPC: moto gives each task a random 10.x address no process here can listen on (AWS
 * takes it from the subnet), so each task gets a loopback address of its own (127.77.0.n) instead; its app listens
 * there where the overrides say 0.0.0.0, and that address is the ENI's in the task's events.
 */
export class LoopbackEcsAgent {
  private readonly tasks = new Map<string, Running>();
  private nextHost = 2;

  constructor(
    private readonly ecs: ECSClient,
    private readonly options: {
      cluster: string;
      containerName: string;
      images: ImageStore;
      /** What the platform gives every container (the region, endpoints). */
      env: Record<string, string>;
      /** The credentials of the task's role, as the container credentials endpoint would give them. */
      roleCredentials: (taskRoleArn: string) => Record<string, string>;
      /** Where a container with the awslogs driver sends its output (its group, `<prefix>/<container>/<task id>`). */
      logs?: CloudWatchLogsClient;
    },
  ) {}

  /** Starts the tasks moto placed since the last call and stops those ECS is stopping; their events, in order. */
  async sync(): Promise<TaskStateChangeEvent[]> {
    const { cluster } = this.options;
    const listed = (await this.ecs.send(new ListTasksCommand({ cluster }))).taskArns ?? [];
    const arns = [...new Set([...listed, ...[...this.tasks.keys()]])];
    if (!arns.length) return [];
    const described = (await this.ecs.send(new DescribeTasksCommand({ cluster, tasks: arns }))).tasks ?? [];
    const events: TaskStateChangeEvent[] = [];
    for (const task of described) {
      const known = this.tasks.get(task.taskArn!);
      if (!known && task.desiredStatus === 'RUNNING') events.push(this.running(await this.start(task)));
      else if (known && known.reported === 'RUNNING' && (task.desiredStatus === 'STOPPED' || known.exited)) {
        known.task = task;
        events.push(await this.stopped(known));
      }
    }
    return events;
  }

  /** Kills a task's process, as if its app crashed; the next sync reports the task STOPPED. */
  async crash(taskArn: string): Promise<void> {
    const t = this.tasks.get(taskArn)!;
    const gone = new Promise((resolve) => t.child.once('exit', resolve));
    signalGroup(t.child.pid!, 'SIGKILL');
    await gone;
  }

  /** Each task's process: its address, command, exit and last output. */
  processes() {
    return [...this.tasks.values()].map((t) => ({
      taskArn: t.task.taskArn!,
      startedBy: t.task.startedBy ?? '',
      ip: t.ip,
      command: t.child.spawnargs,
      exited: t.exited,
      output: t.output.slice(-2000),
    }));
  }

  /** The output of a task's process so far. */
  outputOf(taskArn: string): string {
    return this.tasks.get(taskArn)?.output ?? '';
  }

  /** The task definition a running task was started from (a registry revision, for a home or a user's image). */
  async definitionOf(taskArn: string) {
    const task = this.tasks.get(taskArn)!.task;
    return (await this.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: task.taskDefinitionArn })))
      .taskDefinition!;
  }

  async close(): Promise<void> {
    await Promise.all([...this.tasks.values()].map((t) => this.kill(t)));
  }

  /**
   * The container's `secrets` as ECS reads them before it starts: each SSM parameter by its ARN, with the execution
   * role's credentials (where IAM is enforced, its policy decides). A Secrets Manager ARN is not read here (the stack's
   * tests check those in the template).
   */
  private async secretsOf(secrets: { name?: string; valueFrom?: string }[], executionRole: string) {
    if (!secrets.length) return {};
    const own = this.options.roleCredentials(executionRole);
    const ssm = new SSMClient({
      region: this.options.env.AWS_REGION,
      endpoint: this.options.env.AWS_ENDPOINT_URL_KMS,
      credentials: {
        accessKeyId: own.AWS_ACCESS_KEY_ID!,
        secretAccessKey: own.AWS_SECRET_ACCESS_KEY!,
        ...(own.AWS_SESSION_TOKEN ? { sessionToken: own.AWS_SESSION_TOKEN } : {}),
      },
    });
    try {
      const values: Record<string, string> = {};
      for (const s of secrets) {
        if (!s.valueFrom?.includes(':ssm:'))
          throw new Error(`ResourceInitializationError: cannot read ${s.valueFrom} here`);
        const name = s.valueFrom.slice(s.valueFrom.indexOf(':parameter') + ':parameter'.length);
        const { Parameters } = await ssm.send(new GetParametersCommand({ Names: [name], WithDecryption: true }));
        values[s.name!] = Parameters![0]!.Value!;
      }
      return values;
    } finally {
      ssm.destroy();
    }
  }

  private async start(task: Task): Promise<Running> {
    const definition = (
      await this.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: task.taskDefinitionArn }))
    ).taskDefinition!;
    const container = definition.containerDefinitions!.find((c) => c.name === this.options.containerName)!;
    const override = task.overrides?.containerOverrides?.find((c) => c.name === this.options.containerName);
    const image = this.options.images(container.image!);
    if (!image) throw new Error(`CannotPullContainerError: ${container.image} is not in this machine's image store`);
    const ip = `127.77.0.${this.nextHost++}`;
    const here = (v: string) => (v === '0.0.0.0' ? ip : v);
    const env: Record<string, string> = {
      ...this.options.env,
      ...this.options.roleCredentials(definition.taskRoleArn ?? ''),
    };
    for (const e of [...(container.environment ?? []), ...(override?.environment ?? [])]) env[e.name!] = here(e.value!);
    Object.assign(env, await this.secretsOf(container.secrets ?? [], definition.executionRoleArn ?? ''));
    const command = (override?.command ?? container.command ?? []).map(here);
    const [file, ...args] = [...image.entryPoint, ...command];
    // A group of its own, as a container is: a stop reaches what its entrypoint started, not only the entrypoint
    // (killing a wrapper alone left its app running after the tests).
    const child = spawn(file!, args, { cwd: image.cwd, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const running: Running = {
      task,
      ip,
      child,
      version: 1,
      reported: 'RUNNING',
      output: '',
      shipping: Promise.resolve(),
    };
    const ship = this.awslogs(container.logConfiguration, task.taskArn!);
    const keep = (d: Buffer) => {
      running.output = (running.output + d.toString()).slice(-8000);
      // A write the log service refuses is told on the test's output, never thrown from an output handler.
      if (ship)
        running.shipping = running.shipping
          .then(() => ship(d.toString(), Date.now()))
          .catch((error: Error) => console.error(`awslogs of ${task.taskArn}: ${error.message}`));
    };
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    // A container's exit code, as Docker gives it: 128 + the signal's number for a killed process.
    child.once(
      'exit',
      (code, signal) => (running.exited = { code: code ?? 128 + (signal ? constants.signals[signal] : 0) }),
    );
    this.tasks.set(task.taskArn!, running);
    return running;
  }

  private async kill(t: Running): Promise<void> {
    if (t.exited || t.child.exitCode !== null) return;
    const gone = new Promise((resolve) => t.child.once('exit', resolve));
    signalGroup(t.child.pid!, 'SIGTERM'); // its whole group: the entrypoint and what it started
    await gone;
  }

  /**
   * The awslogs driver's part: each chunk of output as log events in the task's stream (the group made if missing, as
   * `awslogs-create-group` would; the stack makes it on AWS). Undefined: no awslogs, or no logs client.
   */
  private awslogs(config: { logDriver?: string; options?: Record<string, string> } | undefined, taskArn: string) {
    const { logs } = this.options;
    const group = config?.options?.['awslogs-group'];
    if (!logs || config?.logDriver !== 'awslogs' || !group) return undefined;
    const stream = `${config.options!['awslogs-stream-prefix']}/${this.options.containerName}/${taskArn.split('/').at(-1)}`;
    let made: Promise<void> | undefined;
    return async (text: string, at: number) => {
      made ??= logs
        .send(new CreateLogGroupCommand({ logGroupName: group }))
        .catch(exists)
        .then(() => logs.send(new CreateLogStreamCommand({ logGroupName: group, logStreamName: stream })))
        .then(() => undefined, exists);
      await made;
      const lines = text.split('\n').filter(Boolean);
      if (lines.length)
        await logs.send(
          new PutLogEventsCommand({
            logGroupName: group,
            logStreamName: stream,
            logEvents: lines.map((message) => ({ message, timestamp: at })),
          }),
        );
    };
  }

  private async stopped(t: Running): Promise<TaskStateChangeEvent> {
    const byEcs = t.task.desiredStatus === 'STOPPED';
    await this.kill(t);
    // What it wrote is in its stream before its task is reported stopped.
    await t.shipping;
    t.reported = 'STOPPED';
    const now = new Date().toISOString();
    return this.event(t, {
      lastStatus: 'STOPPED',
      desiredStatus: 'STOPPED',
      stopCode: byEcs ? 'UserInitiated' : 'EssentialContainerExited',
      stoppedReason: byEcs ? (t.task.stoppedReason ?? 'Task stopped by user') : 'Essential container in task exited',
      stoppingAt: now,
      stoppedAt: now,
      containers: [{ name: this.options.containerName, lastStatus: 'STOPPED', exitCode: t.exited?.code ?? 143 }],
    });
  }

  private running(t: Running): TaskStateChangeEvent {
    const now = new Date().toISOString();
    return this.event(t, {
      lastStatus: 'RUNNING',
      desiredStatus: 'RUNNING',
      connectivityAt: now,
      pullStartedAt: now,
      pullStoppedAt: now,
      startedAt: now,
      containers: [{ name: this.options.containerName, lastStatus: 'RUNNING' }],
    });
  }

  private event(t: Running, change: Record<string, unknown>): TaskStateChangeEvent {
    const task = JSON.parse(JSON.stringify(t.task)) as Task & Record<string, unknown>;
    for (const attachment of task.attachments ?? [])
      for (const detail of attachment.details ?? []) if (detail.name === 'privateIPv4Address') detail.value = t.ip;
    return {
      version: '0',
      id: crypto.randomUUID(),
      'detail-type': 'ECS Task State Change',
      source: 'aws.ecs',
      account: '123456789012',
      time: new Date().toISOString(),
      region: task.taskArn!.split(':')[3]!,
      resources: [task.taskArn!],
      detail: { ...task, ...change, version: ++t.version } as TaskStateChangeEvent['detail'],
    } as TaskStateChangeEvent;
  }
}
