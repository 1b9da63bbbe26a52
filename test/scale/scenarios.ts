import { type LaunchOutcome, type ScenarioReport, summarize } from './report';
import { SIM_START, type SimPlane, type SimPlaneOptions, startSimPlane } from './sim-plane';

/**
 * The course notebook every student opens (a Fargate task of half a vCPU and 1 GiB, five minutes to start at most),
 * and a GPU workstation (one GPU on the GPU capacity provider's EC2 instances).
 */
const APPS = `
notebook:
  description: The course notebook
  image: 123456789012.dkr.ecr.us-east-1.amazonaws.com/notebook:1
  port: 8888
  ready: { http: /api }
  resources: { cpu: 0.5, memory: 1Gi }
  launchTimeout: 300s
  # Users are at their sessions: the simulator sends no traffic, so the idle rule is kept out of the way.
  idleTimeout: 4h
workstation:
  description: A GPU workstation
  image: 123456789012.dkr.ecr.us-east-1.amazonaws.com/workstation:1
  port: 6080
  ready: { http: / }
  resources: { cpu: 4, memory: 16Gi, gpus: 1 }
  limits: { cpu: 4, memory: 16Gi, gpus: 1 }
  launchTimeout: 900s
  idleTimeout: 4h
`;

/** The notebook with 100 kept ready (a warm pool): only the scenario that measures pools has it. */
const POOLED = `
pooled-notebook:
  description: The course notebook, 100 kept ready
  image: 123456789012.dkr.ecr.us-east-1.amazonaws.com/notebook:1
  port: 8888
  ready: { http: /api }
  resources: { cpu: 0.5, memory: 1Gi }
  launchTimeout: 300s
  idleTimeout: 4h
  pool: { min: 100, max: 100, ttl: 6h }
`;

/** A launch the scenario asked for: who, when, what the API answered. */
interface Asked extends Omit<LaunchOutcome, 'session'> {
  user: string;
  id?: string;
}

/** Drives users against a plane: each launch a POST /sessions by its own user, each stop their own DELETE. */
class Users {
  readonly asked: Asked[] = [];
  private next = 0;
  constructor(
    private readonly plane: SimPlane,
    private readonly app: string,
  ) {}

  /**
   * A new user launches at `at` (epoch ms); `stay` (ms), if given: they stop it that long after asking; `pollMs`, if
   * given: their client asks for the session every so often until it is READY or has ended (a refusal, 429: it asks
   * again next time).
   */
  launchAt(at: number, stay?: number, pollMs?: number): void {
    const user = `user${this.next++}`;
    const attempt = (tries: number) => {
      void this.plane
        .request(user, '/sessions', { method: 'POST', body: JSON.stringify({ app: this.app }) })
        .then((res) => {
          // Throttled by API Gateway: the client tries again a second later (ten times at most).
          if (res.status === 429 && tries < 10)
            return this.plane.sim.at(this.plane.sim.now() + 1000, () => attempt(tries + 1));
          const id = typeof res.body?.id === 'string' ? res.body.id : undefined;
          const code = typeof res.body?.code === 'string' ? res.body.code : undefined;
          this.asked.push({ user, askedAt: at, status: res.status, ...(code ? { code } : {}), ...(id ? { id } : {}) });
          if (id && stay !== undefined) this.plane.sim.at(at + stay, () => this.stop(user, id));
          if (id && pollMs) this.poll(user, id, pollMs);
        });
    };
    this.plane.sim.at(at, () => attempt(1));
  }

  private poll(user: string, id: string, every: number): void {
    this.plane.sim.at(this.plane.sim.now() + every, () => {
      void this.plane.request(user, `/sessions/${id}`).then((res) => {
        const status = res.body?.status;
        if (status !== 'READY' && status !== 'STOPPED' && status !== 'FAILED') this.poll(user, id, every);
      });
    });
  }

  stop(user: string, id: string): void {
    void this.plane.request(user, `/sessions/${id}`, { method: 'DELETE' });
  }

  /** Each launch with its session as it stands (read without simulated time). */
  async outcomes(): Promise<LaunchOutcome[]> {
    const outcomes: LaunchOutcome[] = [];
    for (const a of this.asked) {
      const session = a.id ? await this.plane.records.get(a.id) : undefined;
      outcomes.push({
        askedAt: a.askedAt,
        status: a.status,
        ...(a.code ? { code: a.code } : {}),
        ...(session ? { session } : {}),
      });
    }
    return outcomes;
  }
}

interface Rush {
  name: string;
  app?: string;
  launches: number;
  /** Over how many minutes the launches come (evenly at random). */
  minutes: number;
  /** How long the run is watched, from the first launch (minutes). */
  watch: number;
  /** Minutes before the first launch (a pool fills). */
  warmup?: number;
  /** Each user's client polls their session this often (ms) until it is READY. */
  pollMs?: number;
  /** How long each user keeps their session (minutes, evenly at random), then stops it; unset: to the end. */
  stay?: [number, number];
  plane?: Partial<SimPlaneOptions>;
}

/** Many users open one app within a few minutes. */
export async function rush(r: Rush): Promise<ScenarioReport> {
  const plane = await startSimPlane({
    seed: 1,
    appsYaml: r.app === 'pooled-notebook' ? APPS + POOLED : APPS,
    ...r.plane,
  });
  const { sim } = plane;
  try {
    const users = new Users(plane, r.app ?? 'notebook');
    const first = sim.start + (r.warmup ?? 0) * 60_000;
    for (let i = 0; i < r.launches; i++) {
      const at = first + sim.uniform(0, r.minutes * 60_000);
      users.launchAt(at, r.stay ? sim.uniform(r.stay[0], r.stay[1]) * 60_000 : undefined, r.pollMs);
    }
    await sim.runUntil(first + r.watch * 60_000);
    return summarize(r.name, plane, await users.outcomes());
  } finally {
    await plane.close();
  }
}

/**
 * A steady day: `live` sessions opened over the first `ramp` minutes, then each minute `churn` of the live ones are
 * stopped and as many new ones launched, for `minutes` more.
 */
async function steady(s: {
  name: string;
  live: number;
  ramp: number;
  churn: number;
  minutes: number;
  plane?: Partial<SimPlaneOptions>;
}) {
  const plane = await startSimPlane({ seed: 1, appsYaml: APPS, ...s.plane });
  const { sim } = plane;
  try {
    const users = new Users(plane, 'notebook');
    for (let i = 0; i < s.live; i++) users.launchAt(sim.start + sim.uniform(0, s.ramp * 60_000));
    const stopped = new Set<string>();
    for (let minute = s.ramp; minute < s.ramp + s.minutes; minute++) {
      sim.at(sim.start + minute * 60_000, () => {
        const live = users.asked.filter((a) => a.id && !stopped.has(a.id));
        const n = Math.round(live.length * s.churn);
        for (let k = 0; k < n; k++) {
          const [a] = live.splice(Math.floor(sim.uniform(0, live.length)), 1);
          stopped.add(a!.id!);
          sim.at(sim.now() + sim.uniform(0, 60_000), () => users.stop(a!.user, a!.id!));
          users.launchAt(sim.now() + sim.uniform(0, 60_000));
        }
      });
    }
    await sim.runUntil(sim.start + (s.ramp + s.minutes) * 60_000);
    return summarize(s.name, plane, await users.outcomes());
  } finally {
    await plane.close();
  }
}

/**
 * Launches past a vCPU quota, their clients polling each until READY, the queued ones too; `placesKept`: the API
 * functions tell queued places from the order they read within 5 s (as deployed), else read it for every answer.
 */
function quotaPolling(placesKept: boolean) {
  return {
    about: `200 launches in 2 minutes against a Fargate vCPU quota of 50 (100 tasks), each kept 5-10 min, each client polling every 10 s until READY (a queued one too)${placesKept ? '' : ", every queued place read afresh (as before #40's follow-up)"}`,
    run: () =>
      rush({
        name: `200 launches against a 50-vCPU quota, kept 5-10 minutes, clients polling every 10 s${placesKept ? '' : ', places read afresh'}`,
        launches: 200,
        minutes: 2,
        watch: 25,
        stay: [5, 10],
        pollMs: 10_000,
        plane: {
          vcpuQuota: 50,
          env: { SESSIONPLANE_QUEUE_WAIT: '30m', ...(placesKept ? {} : { SESSIONPLANE_QUEUE_PLACE_CACHE: '0' }) },
        },
      }),
  };
}

/** `launches` in 5 minutes of the app with a pool of 100, filled from 8:30. */
function pooledRush(launches: number) {
  const n = launches.toLocaleString('en');
  return {
    about: `9 a.m.: ${n} launches in 5 minutes of an app with a pool of 100 (filled from 8:30)`,
    run: () =>
      rush({
        name: `9 a.m. rush, ${n} launches in 5 minutes, a pool of 100`,
        app: 'pooled-notebook',
        launches,
        minutes: 5,
        watch: 15,
        warmup: 30,
      }),
  };
}

/** Fargate out of capacity from minute `from` to minute `to` of a run. */
export function stormBetween(from: number, to: number): (now: number) => boolean {
  return (now) => {
    const minute = (now - SIM_START) / 60_000;
    return minute >= from && minute < to;
  };
}

export const SCENARIOS: Record<string, { about: string; run: () => Promise<ScenarioReport> }> = {
  'rush-500': {
    about: '9 a.m.: 500 users open the course notebook within 5 minutes (no pool)',
    run: () => rush({ name: '9 a.m. rush, 500 launches in 5 minutes', launches: 500, minutes: 5, watch: 15 }),
  },
  'rush-2000': {
    about: '9 a.m.: 2,000 users open the course notebook within 5 minutes (no pool)',
    run: () => rush({ name: '9 a.m. rush, 2,000 launches in 5 minutes', launches: 2000, minutes: 5, watch: 15 }),
  },
  'rush-2000-polling': {
    about:
      "the same rush, each client polling its session every 2 s until READY, through the stack's API throttle (50/s)",
    run: () =>
      rush({
        name: '9 a.m. rush, 2,000 launches in 5 minutes, clients polling every 2 s',
        launches: 2000,
        minutes: 5,
        watch: 15,
        pollMs: 2000,
      }),
  },
  'rush-500-pooled': pooledRush(500),
  'rush-2000-pooled': pooledRush(2000),
  'rush-quota': {
    about: '9 a.m.: 2,000 launches in 5 minutes against a Fargate vCPU quota of 500 (1,000 tasks), each kept 20-40 min',
    run: () =>
      rush({
        name: '9 a.m. rush, 2,000 launches against a 500-vCPU quota, each kept 20-40 minutes',
        launches: 2000,
        minutes: 5,
        watch: 60,
        stay: [20, 40],
        // Long enough a wait for the first sessions to end (the default, 15 minutes, is not).
        plane: { vcpuQuota: 500, env: { SESSIONPLANE_QUEUE_WAIT: '45m' } },
      }),
  },
  'rush-quota-polling': quotaPolling(true),
  'rush-quota-polling-uncached': quotaPolling(false),
  'capacity-storm': {
    about: '500 launches in 5 minutes while Fargate answers "Capacity is unavailable" from minute 1 to minute 4',
    run: () =>
      rush({
        name: 'a Fargate capacity storm (minutes 1-4) during 500 launches in 5 minutes',
        launches: 500,
        minutes: 5,
        watch: 15,
        plane: { noCapacity: stormBetween(1, 4) },
      }),
  },
  'gpu-afternoon': {
    about: '100 GPU workstation launches over 30 minutes against 20 GPUs, each kept 20-60 minutes',
    run: () =>
      rush({
        name: 'a GPU-scarce afternoon: 100 launches in 30 minutes, 20 GPUs, each kept 20-60 minutes',
        app: 'workstation',
        launches: 100,
        minutes: 30,
        watch: 180,
        stay: [20, 60],
        plane: { gpus: 20, env: { SESSIONPLANE_QUEUE_WAIT: '3h' } },
      }),
  },
  'steady-10000': {
    about:
      'a steady day: 10,000 live sessions (opened over 10 minutes), 5 % stopped and replaced each minute, 20 minutes',
    run: () =>
      steady({
        name: 'a steady day: 10,000 live, 5 % churn a minute',
        live: 10_000,
        ramp: 10,
        churn: 0.05,
        minutes: 20,
        // 10,000 notebooks hold 5,000 vCPUs: a quota raised to 6,000.
        plane: { vcpuQuota: 6000, env: { SESSIONPLANE_QUEUE_MAX: '10000' } },
      }),
  },
  'steady-2000': {
    about:
      'a steady day, smaller: 2,000 live sessions (opened over 5 minutes), 5 % stopped and replaced each minute, 20 minutes',
    run: () =>
      steady({ name: 'a steady day: 2,000 live, 5 % churn a minute', live: 2000, ramp: 5, churn: 0.05, minutes: 20 }),
  },
  'rush-50': {
    about: 'a small class: 50 launches in a minute',
    run: () => rush({ name: '50 launches in a minute', launches: 50, minutes: 1, watch: 5 }),
  },
};
