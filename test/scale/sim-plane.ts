import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Context } from 'hono';
import { lambdaApiDeps } from '../../functions/aws/api-compose';
import { ecsRuntime, type Injected, lambdaServices } from '../../functions/aws/compose';
import { handleTaskEvent, type TaskStateChangeEvent } from '../../functions/aws/task-events-handler';
import { createApp } from '../../functions/api/app';
import { launcherGroup } from '../../functions/api/routes/wslink-launcher';
import { skahaGroup } from '../../functions/api/routes/skaha';
import { writeGroup } from '../../functions/api/routes/sessions-write';
import { readGroup } from '../../functions/api/routes/sessions-read';
import { startEmbeddedDynamoDb } from '../../shared/adapters/dynamodb/embedded-dynamodb';
import { inProcessDocumentClient } from '../../shared/adapters/dynamodb/in-process-document-client';
import { ensureSessionsTable } from '../../shared/adapters/dynamodb/dynamodb-table';
import { DynamoDbSessionStore } from '../../shared/adapters/dynamodb/dynamodb-session-store';
import { createEcsClient } from '../../shared/adapters/runtime/ecs/ecs-client';
import { readAppsYaml } from '../../shared/config/apps-file';
import { ENV } from '../../shared/config/env-names';
import { POOLS_PASS, QUEUE_PASS } from '../../shared/config/functions';
import { loadFunctionEnv } from '../../shared/config/lambda-env';
import { policyFrom, tokenKeyOf } from '../../shared/config/policy';
import { silentLogger } from '../../shared/ports/logger';
import { noMetrics } from '../../shared/ports/metrics';
import { type LaunchDeps, POOL_FAILURES } from '../../shared/services/deps';
import { queuedStarter } from '../../shared/services/launch-start';
import { dispatchQueue } from '../../shared/services/queue';
import { reap } from '../../shared/services/reaper/reap';
import { tendPools } from '../../shared/services/pools/pool-keeper';
import { API_THROTTLE, type Bucket, EVENT_DELIVERY_MS } from './aws-limits';
import { DynamoLedger, SimDynamoDb } from './sim-dynamodb';
import { SimEcs, type SimEcsOptions, TokenBucket } from './sim-ecs';
import { Simulation } from './simulation';

const CLUSTER = 'arn:aws:ecs:us-east-1:123456789012:cluster/sessionplane';
/** Every run begins at 9:00 (UTC) on a Monday. */
export const SIM_START = Date.UTC(2026, 11, 7, 9, 0, 0);
const TABLE = 'sessionplane-scale';
const GPU_PROVIDER = 'sessionplane-gpu';

/** Each function's timeout as the stack sets it (infra/constructs: the API's 29 s is API Gateway's 30 s). */
const FUNCTION_TIMEOUTS = {
  api: 29_000,
  pools: 60_000,
  'task-events': 180_000,
  queue: 60_000,
  reaper: 60_000,
};

/** Each function's invocations on simulated time: how many, how long, how many at once, how many over its timeout. */
class LambdaMeter {
  readonly invocations = new Map<
    string,
    { count: number; ms: number; peak: number; now: number; longest: number; overTimeout: number }
  >();
  inFlight = 0;
  peak = 0;
  constructor(private readonly sim: Simulation) {}

  async invoke<T>(fn: string, work: () => Promise<T>): Promise<T> {
    const m = this.invocations.get(fn) ?? { count: 0, ms: 0, peak: 0, now: 0, longest: 0, overTimeout: 0 };
    this.invocations.set(fn, m);
    const began = this.sim.now();
    m.count++;
    m.now++;
    m.peak = Math.max(m.peak, m.now);
    this.peak = Math.max(this.peak, ++this.inFlight);
    try {
      return await work();
    } finally {
      m.now--;
      this.inFlight--;
      const ms = this.sim.now() - began;
      m.ms += ms;
      m.longest = Math.max(m.longest, ms);
      // Lambda would have ended it there (the simulator lets it finish, and counts it).
      if (ms > ((FUNCTION_TIMEOUTS as Record<string, number>)[fn] ?? Number.POSITIVE_INFINITY)) m.overTimeout++;
    }
  }
}

export interface SimPlaneOptions {
  seed: number;
  /** The apps file (YAML), as an operator writes it. */
  appsYaml: string;
  vcpuQuota?: number;
  noCapacity?: SimEcsOptions['noCapacity'];
  /** API Gateway's stage throttle (default: the stack's). */
  apiThrottle?: Bucket;
  /** GPUs in the GPU capacity provider's fixed fleet (none: no GPU provider). */
  gpus?: number;
  /** More of the functions' environment (limits, the queue's bound). */
  env?: Record<string, string>;
}

/**
 * The AWS deployment's control plane in one process, on simulated time: api-write's and api-read's HTTP API (their
 * compositions, as their entries make them), the task-events function fed by the simulated ECS's events through
 * EventBridge's delay, the queue's dispatcher after each session's end (the table stream's batching window) and each
 * minute, the reaper each minute; the store the embedded DynamoDB, slowed to DynamoDB's latency on simulated time.
 */
export async function startSimPlane(options: SimPlaneOptions) {
  // The store and its table first, on real timers.
  const embedded = await startEmbeddedDynamoDb();
  const base = inProcessDocumentClient(embedded.handler);
  await ensureSessionsTable(base, TABLE);
  const appsFile = join(mkdtempSync(join(tmpdir(), 'sessionplane-scale-')), 'apps.json');
  writeFileSync(appsFile, JSON.stringify(readAppsYaml('apps.yml', options.appsYaml)));

  const sim = new Simulation({ start: SIM_START, seed: options.seed });
  // Each function's own view of the store: what it calls, and how much it reads and writes.
  const dbs = new Map<string, SimDynamoDb>();
  const ledger = new DynamoLedger();
  const dbOf = (fn: string) => {
    const db = dbs.get(fn) ?? new SimDynamoDb(base, sim, ledger);
    dbs.set(fn, db);
    return db;
  };
  const lambdas = new LambdaMeter(sim);
  let onTaskEvent: (event: TaskStateChangeEvent) => Promise<unknown> = async () => undefined;
  const ecs = new SimEcs(sim, {
    clusterArn: CLUSTER,
    containerName: 'app',
    ...(options.vcpuQuota !== undefined ? { vcpuQuota: options.vcpuQuota } : {}),
    ...(options.noCapacity ? { noCapacity: options.noCapacity } : {}),
    ...(options.gpus ? { gpu: { provider: GPU_PROVIDER, gpus: options.gpus } } : {}),
    onEvent: (event) =>
      sim.at(sim.now() + sim.triangle(EVENT_DELIVERY_MS.value), () => {
        void lambdas.invoke('task-events', () => onTaskEvent(event));
      }),
  });
  const injected = (fn: string): Injected => ({
    db: dbOf(fn).client,
    ecs: createEcsClient({ region: 'us-east-1', endpoint: 'https://ecs.simulated', requestHandler: ecs.handler }),
    clock: { now: () => sim.now() },
    logger: silentLogger,
    metrics: { ...noMetrics, publish: () => undefined },
  });
  const env = functionEnv(appsFile, {
    ...(options.gpus ? { [ENV.gpuCapacityProvider]: GPU_PROVIDER } : {}),
    ...options.env,
  });

  /** A background function's environment and services, composed as its entry composes them. */
  const compose = <F extends 'task-events' | 'queue' | 'pools' | 'reaper'>(fn: F) => {
    const fnEnv = loadFunctionEnv(fn, env);
    const parts = injected(fn);
    return { env: fnEnv, ...lambdaServices(fn, fnEnv, (apps) => ecsRuntime(fnEnv, apps, parts), parts) };
  };

  // api-write and api-read behind one HTTP API (callers named by a header here: the JWT check has its own tests).
  const apiEnv = loadFunctionEnv('api-write', env);
  const writeParts = injected('api');
  const { deps: api } = lambdaApiDeps(
    'api-write',
    apiEnv,
    { runtime: (apps) => ecsRuntime(apiEnv, apps, writeParts), logs: noLogs },
    writeParts,
  );
  api.authenticate = async (c: Context) => {
    const user = c.req.header('x-sim-user');
    return user ? { user, admin: user === 'admin' } : undefined;
  };
  const app = createApp(api, { write: writeGroup, launcher: launcherGroup, skaha: skahaGroup, read: readGroup });

  const { services: taskServices } = compose('task-events');
  const taskDeps = { ...taskServices, clusterArn: CLUSTER, containerName: 'app', probe: async () => true };

  const { env: queueEnv, services: queueServices } = compose('queue');
  const { policy, tokenKey } = policyFrom(queueEnv);
  const queueDeps: LaunchDeps = { ...queueServices, policy, tokenKey: tokenKey! };
  const queuePass = () =>
    lambdas.invoke('queue', async () => {
      if (!policy.queue) return undefined;
      // As functions/aws/queue.ts: claims stop 20 s before the function's 60 s are up, five starts at once.
      const claimUntil = sim.now() + FUNCTION_TIMEOUTS.queue - QUEUE_PASS.lastStartMs;
      return dispatchQueue({ ...queueDeps, policy: { ...policy, queue: policy.queue } }, queuedStarter(queueDeps), {
        claimUntil,
        concurrency: QUEUE_PASS.startConcurrency,
      });
    });
  // The table stream's batching window (1 s) gathers the ends that wake the dispatcher.
  let streamWindow = false;
  onTaskEvent = async (event) => {
    const outcome = await handleTaskEvent(taskDeps, event);
    // A pool instance became ready or went: its record changed.
    if (outcome === 'ready' || outcome === 'stopped') poolsSoon();
    if (outcome === 'stopped' && !streamWindow) {
      streamWindow = true;
      sim.at(sim.now() + 1000, () => {
        streamWindow = false;
        void queuePass();
      });
    }
    return outcome;
  };

  // The pools' keeper: each minute, and a second after a pool's records change (the table stream: a claim, a start).
  const { env: poolsEnv, services: poolsServices } = compose('pools');
  const poolsDeps = { ...poolsServices, pools: poolsServices.pools!, tokenKey: tokenKeyOf(poolsEnv[ENV.tokenKey]) };
  let poolsPassId = 0;
  const poolsPass = (scheduled = false): Promise<unknown> =>
    lambdas.invoke('pools', async () => {
      const summary = await tendPools(poolsDeps, {
        holder: `pass-${++poolsPassId}`,
        ...POOLS_PASS,
        ...POOL_FAILURES,
        claimGraceMs: 60_000,
        // As functions/aws/pools.ts: the runtime's tasks are listed on the minute's pass only.
        checkRuntime: scheduled,
      });
      if (summary.started) poolsSoon();
      return summary;
    });
  let poolsWindow = false;
  const poolsSoon = () => {
    if (poolsWindow || !poolsDeps.apps.list().some((a) => a.pool)) return;
    poolsWindow = true;
    sim.at(sim.now() + 1000, () => {
      poolsWindow = false;
      void poolsPass();
    });
  };

  const { services: reaperServices } = compose('reaper');
  const reaperPasses: { at: number; ms: number; live: number }[] = [];
  // Each minute (EventBridge schedules): a reaper pass and a queue pass.
  const everyMinute = setInterval(() => {
    void lambdas.invoke('reaper', async () => {
      const at = sim.now();
      const summary = await reap(reaperServices, { concurrency: 10, budgetMs: 50_000 });
      reaperPasses.push({ at, ms: sim.now() - at, live: summary.live });
    });
    void queuePass();
    if (poolsDeps.apps.list().some((a) => a.pool)) void poolsPass(true);
  }, 60_000);
  // A pool's instances are there before the first launch: the keeper's first pass at once.
  if (poolsDeps.apps.list().some((a) => a.pool)) void poolsPass(true);

  // API Gateway's stage throttle: over it, 429 without invoking the function.
  const apiBucket = new TokenBucket(options.apiThrottle ?? API_THROTTLE.value, sim.now());
  const api429 = { requests: 0, throttled: 0, perSecond: new Map<number, number>() };
  /** One HTTP request to the API, as API Gateway would pass it (the API's Lambda invocation). */
  const request = async (user: string, path: string, init: RequestInit = {}) => {
    api429.requests++;
    const second = Math.floor(sim.elapsed());
    api429.perSecond.set(second, (api429.perSecond.get(second) ?? 0) + 1);
    if (!apiBucket.take(sim.now())) {
      api429.throttled++;
      return { status: 429, body: { message: 'Too Many Requests' } as Record<string, unknown> };
    }
    return invokeApi(user, path, init);
  };
  const invokeApi = (user: string, path: string, init: RequestInit) =>
    lambdas.invoke('api', async () => {
      const headers = new Headers(init.headers);
      headers.set('x-sim-user', user);
      if (init.body) headers.set('content-type', 'application/json');
      const res = await app.request(path, { ...init, headers });
      // A launch may have claimed a pool instance: the stream wakes the keeper.
      if (init.method === 'POST') poolsSoon();
      return { status: res.status, body: (await res.json().catch(() => undefined)) as Record<string, unknown> };
    });

  return {
    sim,
    dbs,
    ledger,
    ecs,
    lambdas,
    request,
    api: api429,
    /** The records as they stand, read without simulated time (for the report, after a run). */
    records: new DynamoDbSessionStore(base, TABLE),
    reaperPasses,
    gpuFleet: options.gpus ?? 0,
    close: async () => {
      clearInterval(everyMinute);
      sim.uninstall();
      await embedded.close();
    },
  };
}

export type SimPlane = Awaited<ReturnType<typeof startSimPlane>>;

const noLogs = { tail: async () => ({ lines: [], nextSince: undefined, truncated: false }) };

/** The functions' environment, as the stack sets it (one map: each function reads its own keys). */
function functionEnv(appsFile: string, extra: Record<string, string>): Record<string, string> {
  return {
    [ENV.tableName]: TABLE,
    [ENV.awsRegion]: 'us-east-1',
    [ENV.appsFile]: appsFile,
    [ENV.logLevel]: 'silent',
    [ENV.publicUrl]: 'https://sessions.example.org',
    [ENV.jwtIssuer]: 'https://issuer.example.org',
    [ENV.jwtAudience]: 'sessionplane',
    [ENV.tokenKey]: 'a'.repeat(64),
    [ENV.cluster]: CLUSTER,
    [ENV.subnets]: 'subnet-0a,subnet-0b',
    [ENV.securityGroups]: 'sg-0a',
    [ENV.taskFamilyPrefix]: 'sessionplane-',
    ...extra,
  };
}
