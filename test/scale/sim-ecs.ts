import type { TaskStateChangeEvent } from '../../functions/aws/task-events-handler';
import {
  type Bucket,
  ECS_API_BUCKETS,
  ECS_CALL_MS,
  FARGATE_LAUNCHES,
  FARGATE_NO_CAPACITY,
  FARGATE_START,
  FARGATE_VCPU_QUOTA,
  GPU_INSTANCE,
} from './aws-limits';
import type { Simulation } from './simulation';

/** A token bucket on simulated time. */
export class TokenBucket {
  private tokens: number;
  private last: number;
  constructor(
    private readonly limit: Bucket,
    now: number,
  ) {
    this.tokens = limit.burst;
    this.last = now;
  }
  take(now: number): boolean {
    this.tokens = Math.min(this.limit.burst, this.tokens + ((now - this.last) / 1000) * this.limit.perSecond);
    this.last = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

interface SimTask {
  arn: string;
  family: string;
  startedBy?: string;
  clientToken?: string;
  tags: { key: string; value: string }[];
  vcpus: number;
  memory: number;
  gpus: number;
  ip: string;
  lastStatus: 'PROVISIONING' | 'PENDING' | 'RUNNING' | 'STOPPED';
  desiredStatus: 'RUNNING' | 'STOPPED';
  version: number;
  at: Partial<
    Record<
      'createdAt' | 'connectivityAt' | 'pullStartedAt' | 'pullStoppedAt' | 'startedAt' | 'stoppingAt' | 'stoppedAt',
      number
    >
  >;
  stopCode?: string;
  stoppedReason?: string;
}

export interface SimEcsOptions {
  clusterArn: string;
  containerName: string;
  vcpuQuota?: number;
  /** Whether Fargate has no capacity at this simulated time (a regional capacity storm). */
  noCapacity?: (now: number) => boolean;
  /** A GPU capacity provider of a fixed fleet: its name and how many GPUs its instances hold. */
  gpu?: { provider: string; gpus: number };
  /** Called with each task state change, as EventBridge would deliver it (the caller adds the delivery's delay). */
  onEvent: (event: TaskStateChangeEvent) => void;
}

type Action = string;

/**
 * ECS as the control plane's own ECS client meets it at scale: an HTTP handler for the real ECSClient (so the SDK's
 * serialization and its standard retry mode, with its backoff on simulated time, run as deployed), enforcing the API's
 * token buckets, Fargate's launch meter and vCPU quota, capacity errors, and Fargate's start times; each task's state
 * changes go out as EventBridge events.
 */
export class SimEcs {
  readonly tasks = new Map<string, SimTask>();
  private readonly byToken = new Map<string, string>();
  /** Calls per action: answered, throttled. */
  readonly calls = new Map<Action, { ok: number; throttled: number }>();
  /** Per simulated second, calls of each action (throttled ones too). */
  readonly perSecond = new Map<number, Map<Action, number>>();
  readonly failures = new Map<string, number>();
  vcpusInUse = 0;
  peakVcpus = 0;
  gpusInUse = 0;
  peakGpus = 0;
  tasksHoldingIps = 0;
  peakIps = 0;
  /** Fargate vCPU-seconds of every task, for the hour's bill. */
  vcpuSeconds = 0;
  gbSeconds = 0;
  private readonly buckets: Record<'modify' | 'read' | 'taskDefinition' | 'fargate', TokenBucket>;
  private nextId = 0;

  constructor(
    private readonly sim: Simulation,
    private readonly options: SimEcsOptions,
  ) {
    const b = ECS_API_BUCKETS.value;
    this.buckets = {
      modify: new TokenBucket(b.modify, sim.now()),
      read: new TokenBucket(b.read, sim.now()),
      taskDefinition: new TokenBucket(b.taskDefinition, sim.now()),
      fargate: new TokenBucket(FARGATE_LAUNCHES.value, sim.now()),
    };
  }

  /** The ECSClient's `requestHandler`. */
  readonly handler = {
    handle: async (request: { headers: Record<string, string>; body?: unknown }) => {
      const target = request.headers['x-amz-target'] ?? request.headers['X-Amz-Target'] ?? '';
      const action = target.slice(target.lastIndexOf('.') + 1);
      const body = request.body instanceof Uint8Array ? new TextDecoder().decode(request.body) : request.body;
      const input = JSON.parse(typeof body === 'string' && body ? body : '{}') as Record<string, unknown>;
      await this.sim.sleep(
        this.sim.triangle(action === 'RunTask' ? ECS_CALL_MS.value.RunTask : ECS_CALL_MS.value.other),
      );
      return { response: this.answer(action, input) };
    },
    updateHttpClientConfig: () => undefined,
    httpHandlerConfigs: () => ({}),
    destroy: () => undefined,
  };

  private answer(action: Action, input: Record<string, unknown>) {
    const count = this.calls.get(action) ?? { ok: 0, throttled: 0 };
    this.calls.set(action, count);
    const second = Math.floor(this.sim.elapsed());
    const perAction = this.perSecond.get(second) ?? new Map<Action, number>();
    perAction.set(action, (perAction.get(action) ?? 0) + 1);
    this.perSecond.set(second, perAction);
    const bucket = (Object.keys(ECS_API_BUCKETS.value) as (keyof typeof ECS_API_BUCKETS.value)[]).find((k) =>
      ECS_API_BUCKETS.value[k].actions.includes(action),
    );
    const now = this.sim.now();
    const throttled = () => {
      count.throttled++;
      return reply(400, { __type: 'ThrottlingException', message: 'Rate exceeded' });
    };
    if (bucket && !this.buckets[bucket].take(now)) return throttled();
    if (action === 'RunTask' && !this.idempotent(input) && !this.buckets.fargate.take(now)) return throttled();
    count.ok++;
    switch (action) {
      case 'RunTask':
        return reply(200, this.runTask(input));
      case 'StopTask':
        return this.stopTask(input);
      case 'DescribeTasks': {
        const arns = (input.tasks as string[]) ?? [];
        const found = arns.map((a) => this.tasks.get(a)).filter((t): t is SimTask => !!t);
        const missing = arns.filter((a) => !this.tasks.has(a)).map((arn) => ({ arn, reason: 'MISSING' }));
        return reply(200, { tasks: found.map((t) => this.describe(t)), failures: missing });
      }
      case 'ListTasks': {
        const family = input.family as string | undefined;
        const wanted = (input.desiredStatus as string | undefined) ?? 'RUNNING';
        const arns = [...this.tasks.values()]
          .filter((t) => (!family || t.family === family) && t.desiredStatus === wanted)
          .map((t) => t.arn);
        const from = Number(input.nextToken ?? 0);
        const page = arns.slice(from, from + 100);
        return reply(200, { taskArns: page, ...(from + 100 < arns.length ? { nextToken: String(from + 100) } : {}) });
      }
      default:
        return reply(400, { __type: 'InvalidParameterException', message: `The simulator has no ${action}.` });
    }
  }

  private idempotent(input: Record<string, unknown>): boolean {
    return typeof input.clientToken === 'string' && this.byToken.has(input.clientToken);
  }

  private runTask(input: Record<string, unknown>) {
    const token = input.clientToken as string | undefined;
    const known = token ? this.tasks.get(this.byToken.get(token) ?? '') : undefined;
    if (known) return { tasks: [this.describe(known)], failures: [] };
    const now = this.sim.now();
    const fail = (reason: string) => {
      this.failures.set(reason, (this.failures.get(reason) ?? 0) + 1);
      return { tasks: [], failures: [{ reason }] };
    };
    if (this.options.noCapacity?.(now)) return fail(FARGATE_NO_CAPACITY.value);
    const overrides = (input.overrides ?? {}) as {
      cpu?: string;
      memory?: string;
      containerOverrides?: { resourceRequirements?: { type: string; value: string }[] }[];
    };
    const vcpus = Number(overrides.cpu ?? 512) / 1024;
    const memory = Number(overrides.memory ?? 1024);
    const provider = (input.capacityProviderStrategy as { capacityProvider?: string }[] | undefined)?.[0]
      ?.capacityProvider;
    const onGpus = provider !== undefined && provider === this.options.gpu?.provider;
    const gpus = onGpus
      ? Number(overrides.containerOverrides?.[0]?.resourceRequirements?.find((r) => r.type === 'GPU')?.value ?? 1)
      : 0;
    // The GPU fleet's instances hold so many GPUs (EC2: RESOURCE:GPU); Fargate counts the account's vCPUs.
    if (onGpus && this.gpusInUse + gpus > this.options.gpu!.gpus) return fail('RESOURCE:GPU');
    if (!onGpus && this.vcpusInUse + vcpus > (this.options.vcpuQuota ?? FARGATE_VCPU_QUOTA.value.vcpus))
      return fail(FARGATE_VCPU_QUOTA.value.reason);
    const id = (++this.nextId).toString(16).padStart(32, '0');
    const family = String(input.taskDefinition ?? 'task')
      .split(':')[0]!
      .split('/')
      .pop()!;
    const task: SimTask = {
      arn: `${this.options.clusterArn.replace(':cluster/', ':task/')}/${id}`,
      family,
      ...(typeof input.startedBy === 'string' ? { startedBy: input.startedBy } : {}),
      ...(token ? { clientToken: token } : {}),
      tags: (input.tags as { key: string; value: string }[]) ?? [],
      vcpus: onGpus ? 0 : vcpus,
      memory: onGpus ? 0 : memory,
      gpus,
      ip: `10.0.${(this.nextId >> 8) & 255}.${this.nextId & 255}`,
      lastStatus: 'PROVISIONING',
      desiredStatus: 'RUNNING',
      version: 1,
      at: { createdAt: now },
    };
    this.tasks.set(task.arn, task);
    if (token) this.byToken.set(token, task.arn);
    this.hold(task, +1);
    this.emit(task);
    const start = onGpus ? { ...FARGATE_START.value, ...GPU_INSTANCE.value.start } : FARGATE_START.value;
    const network = now + this.sim.triangle(start.network) * 1000;
    const pulled = network + this.sim.triangle(start.pull) * 1000;
    const running = pulled + this.sim.triangle(start.app) * 1000;
    this.sim.at(network, () => this.step(task, 'PENDING', { connectivityAt: network, pullStartedAt: network }));
    this.sim.at(running, () => this.step(task, 'RUNNING', { pullStoppedAt: pulled, startedAt: running }));
    return { tasks: [this.describe(task)], failures: [] };
  }

  private step(task: SimTask, status: 'PENDING' | 'RUNNING', at: SimTask['at']): void {
    if (task.desiredStatus === 'STOPPED') return;
    Object.assign(task.at, at);
    task.lastStatus = status;
    task.version++;
    this.emit(task);
  }

  private stopTask(input: Record<string, unknown>) {
    const task = this.tasks.get(String(input.task));
    if (!task)
      return reply(400, { __type: 'InvalidParameterException', message: 'The referenced task was not found.' });
    if (task.desiredStatus === 'RUNNING') {
      const now = this.sim.now();
      task.desiredStatus = 'STOPPED';
      task.at.stoppingAt = now;
      task.stopCode = 'UserInitiated';
      task.stoppedReason = String(input.reason ?? 'Task stopped by user');
      task.version++;
      this.emit(task);
      // A task not yet running has no app to stop: it goes at once; a running one gets SIGTERM, then SIGKILL.
      const delay = task.lastStatus === 'RUNNING' ? this.sim.triangle(FARGATE_START.value.stop) * 1000 : 1000;
      this.sim.at(now + delay, () => {
        task.lastStatus = 'STOPPED';
        task.at.stoppedAt = this.sim.now();
        task.version++;
        this.hold(task, -1);
        this.emit(task);
      });
    }
    return reply(200, { task: this.describe(task) });
  }

  /** A task holds its vCPUs and its IP address from its launch until it has stopped. */
  private hold(task: SimTask, sign: 1 | -1): void {
    this.vcpusInUse += sign * task.vcpus;
    this.gpusInUse += sign * task.gpus;
    this.tasksHoldingIps += sign;
    this.peakVcpus = Math.max(this.peakVcpus, this.vcpusInUse);
    this.peakGpus = Math.max(this.peakGpus, this.gpusInUse);
    this.peakIps = Math.max(this.peakIps, this.tasksHoldingIps);
    if (sign < 0) {
      const seconds = (this.sim.now() - task.at.createdAt!) / 1000;
      this.vcpuSeconds += seconds * task.vcpus;
      this.gbSeconds += (seconds * task.memory) / 1024;
    }
  }

  /** What tasks still running have cost so far (added to those that stopped). */
  billedSoFar(): { vcpuSeconds: number; gbSeconds: number } {
    let { vcpuSeconds, gbSeconds } = this;
    for (const t of this.tasks.values())
      if (t.lastStatus !== 'STOPPED') {
        const seconds = (this.sim.now() - t.at.createdAt!) / 1000;
        vcpuSeconds += seconds * t.vcpus;
        gbSeconds += (seconds * t.memory) / 1024;
      }
    return { vcpuSeconds, gbSeconds };
  }

  private emit(task: SimTask): void {
    const detail = this.describe(task, (ms) => new Date(ms).toISOString());
    this.options.onEvent({
      'detail-type': 'ECS Task State Change',
      source: 'aws.ecs',
      detail: { ...detail, clusterArn: this.options.clusterArn, version: task.version },
    } as unknown as TaskStateChangeEvent);
  }

  /** The task as DescribeTasks has it (epoch seconds), or as an event has it (ISO strings). */
  private describe(task: SimTask, time: (ms: number) => unknown = (ms) => ms / 1000): Record<string, unknown> {
    const times = Object.fromEntries(Object.entries(task.at).map(([k, v]) => [k, time(v)]));
    const stopped = task.lastStatus === 'STOPPED';
    return {
      taskArn: task.arn,
      clusterArn: this.options.clusterArn,
      group: `family:${task.family}`,
      lastStatus: task.lastStatus,
      desiredStatus: task.desiredStatus,
      launchType: 'FARGATE',
      cpu: String(task.vcpus * 1024),
      memory: String(task.memory),
      ...(task.startedBy ? { startedBy: task.startedBy } : {}),
      ...times,
      ...(task.stopCode ? { stopCode: task.stopCode, stoppedReason: task.stoppedReason } : {}),
      attachments: [{ type: 'ElasticNetworkInterface', details: [{ name: 'privateIPv4Address', value: task.ip }] }],
      containers: [
        {
          name: this.options.containerName,
          lastStatus: task.lastStatus,
          ...(stopped && task.at.startedAt ? { exitCode: 0 } : {}),
        },
      ],
      tags: task.tags,
    };
  }
}

function reply(statusCode: number, body: unknown) {
  return {
    statusCode,
    headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': 'sim' },
    body: Buffer.from(JSON.stringify(body)),
  };
}
