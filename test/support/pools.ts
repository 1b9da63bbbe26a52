import type { AppSpec } from '../../shared/domain/app';
import { fixtureApp } from './apps';
import type { TestPlane } from './plane';
import { waitFor } from './wait';

/** A pool of exactly `min`, kept an hour, no schedule (what the pool tests start from). */
export const pool = (min: number, extra: Partial<NonNullable<AppSpec['pool']>> = {}): NonNullable<AppSpec['pool']> => ({
  min,
  max: min,
  ttlMs: 3_600_000,
  schedule: [],
  ...extra,
});

/** An app that listens and says so at once, lighter than node: fifty of them start in a moment. */
const LISTEN =
  'import socket,sys,time\ns=socket.socket()\ns.bind((sys.argv[1],int(sys.argv[2])))\ns.listen(64)\nprint("ready",flush=True)\ntime.sleep(300)';
export const cheapApp = (overrides: Partial<AppSpec> = {}): AppSpec =>
  fixtureApp([], {
    command: ['python3', '-c', LISTEN, '${host}', '${port}'],
    ready: { kind: 'line', line: 'ready' },
    ...overrides,
  });

/** A pool as GET /pools shows it. */
interface PoolJson {
  app: string;
  ready: number;
  starting: number;
  claimed: number;
  hits: number;
  misses: number;
  paused: boolean;
  pausedBy?: string;
  pausedReason?: string;
  failures: number;
  nextStartAt?: string;
  lastError?: string;
  events: { phase: string; message: string }[];
}

/** What the pool tests ask of a running plane: its pools (as the admin), launches, and the pool's instances. */
export function poolCalls(plane: () => TestPlane) {
  const pools = async () =>
    ((await (await plane().request('/pools', { user: 'admin' })).json()) as { pools: PoolJson[] }).pools;
  const poolOf = async (app: string) => (await pools()).find((p) => p.app === app)!;
  const readyIn = (app: string, n: number, timeoutMs = 15_000) =>
    waitFor(
      async () => (await poolOf(app)).ready === n && (await poolOf(app)).starting === 0,
      timeoutMs,
      `${n} ready in the ${app} pool`,
    );
  const launch = async (app: string, user = 'alice', body: Record<string, unknown> = {}) => {
    const res = await plane().request('/sessions', { method: 'POST', user, body: JSON.stringify({ app, ...body }) });
    return {
      status: res.status,
      body: (await res.json()) as Record<string, unknown> & {
        id: string;
        status: string;
        pooled: boolean;
        token: string;
        secret: string;
      },
    };
  };
  const instances = async (app: string) => (await plane().deps.pools!.store.list()).filter((i) => i.app === app);
  /** A local instance's process id, from its runtime id. */
  const pidOf = (runtimeId: string) => Number(runtimeId.split(':')[2]);
  return { pools, poolOf, readyIn, launch, instances, pidOf };
}
