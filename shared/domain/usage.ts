import * as z from 'zod';
import type { Session } from './session';

/** One session's use, written once when it ends (keyed by its id), kept for the configured retention. */
export const UsageRecordSchema = z.object({
  sessionId: z.string(),
  owner: z.string(),
  app: z.string(),
  image: z.string().optional(),
  /** Which runtime ran it: `local`, `container`, `ecs`, or none when it never started. */
  runtime: z.string().optional(),
  /** FARGATE, FARGATE_SPOT or GPU: what the price table prices it at. */
  capacity: z.string(),
  startedAt: z.number(),
  readyAt: z.number().optional(),
  endedAt: z.number(),
  reason: z.string(),
  cpu: z.number(),
  memory: z.number(),
  gpus: z.number(),
  seconds: z.number(),
  pooled: z.boolean(),
});
export type UsageRecord = z.infer<typeof UsageRecordSchema>;

/** The record of a session that ended at `endedAt` (or, for a live one, its use so far). */
export function usageOf(session: Session, capacity: string, endedAt: number): UsageRecord {
  // Time in the queue is not use: from when it left it (one that never did used nothing).
  const start = session.queue ? (session.queue.left ?? endedAt) : session.createdAt;
  const end = Math.max(start, endedAt);
  return {
    sessionId: session.id,
    owner: session.owner,
    app: session.app,
    ...(session.image ? { image: session.image } : {}),
    ...(session.runtime ? { runtime: session.runtime.kind } : {}),
    capacity,
    startedAt: start,
    ...(session.readyAt !== undefined ? { readyAt: session.readyAt } : {}),
    endedAt: end,
    reason: session.statusReason ?? session.status.toLowerCase(),
    cpu: session.resources.cpu,
    memory: session.resources.memory,
    gpus: session.resources.gpus,
    seconds: Math.round((end - start) / 1000),
    pooled: session.pooled === true,
  };
}

/** Prices per hour by capacity: vCPU, GB of memory, GPU. */
export type PriceTable = Record<string, { vcpuHour: number; gbHour: number; gpuHour: number }>;

/**
 * AWS list prices, us-east-1, Linux/x86, as of March 2026 (aws.amazon.com/fargate/pricing): Fargate
 * $0.04048 per vCPU-hour and $0.004445 per GB-hour; Fargate Spot priced at its "up to 70 % off"
 * (its price moves); GPUs (EC2) are priced by instance, so 0 until configured.
 */
export const AWS_PRICES: PriceTable = {
  FARGATE: { vcpuHour: 0.04048, gbHour: 0.004445, gpuHour: 0 },
  FARGATE_SPOT: { vcpuHour: 0.012144, gbHour: 0.0013335, gpuHour: 0 },
  GPU: { vcpuHour: 0, gbHour: 0, gpuHour: 0 },
};
export const AWS_PRICES_SOURCE = 'AWS list prices, us-east-1, Linux/x86, as of 2026-03 (Fargate Spot at 70 % off)';

export interface UsageTotals {
  sessions: number;
  seconds: number;
  vcpuHours: number;
  gbHours: number;
  gpuHours: number;
  cost: number;
}

/**
 * Usage added up: of one owner, app and capacity, ended on one UTC day; one record's, or a day's total kept by the
 * store. In whole units (millicores, MiB and GPUs times seconds), so sums are exact in any order.
 */
export interface UsageSum {
  owner: string;
  app: string;
  capacity: string;
  /** YYYY-MM-DD (UTC) of the ends. */
  day: string;
  sessions: number;
  seconds: number;
  mcpuSeconds: number;
  mibSeconds: number;
  gpuSeconds: number;
}

/** The UTC day (YYYY-MM-DD) of a moment. */
const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** One record as a sum. */
export function sumOf(r: UsageRecord): UsageSum {
  return {
    owner: r.owner,
    app: r.app,
    capacity: r.capacity,
    day: dayOf(r.endedAt),
    sessions: 1,
    seconds: r.seconds,
    mcpuSeconds: Math.round(r.cpu * 1000) * r.seconds,
    mibSeconds: r.memory * r.seconds,
    gpuSeconds: r.gpus * r.seconds,
  };
}

const round = (n: number, places: number) => Math.round(n * 10 ** places) / 10 ** places;

/** The totals of some sums, priced by the table (a capacity it lacks costs nothing); exact in whole units first. */
export function totalsOf(sums: readonly UsageSum[], prices: PriceTable): UsageTotals {
  let [sessions, seconds] = [0, 0];
  const byCapacity = new Map<string, { mcpu: number; mib: number; gpu: number }>();
  for (const s of sums) {
    sessions += s.sessions;
    seconds += s.seconds;
    const c = byCapacity.get(s.capacity) ?? { mcpu: 0, mib: 0, gpu: 0 };
    c.mcpu += s.mcpuSeconds;
    c.mib += s.mibSeconds;
    c.gpu += s.gpuSeconds;
    byCapacity.set(s.capacity, c);
  }
  let [mcpu, mib, gpu, cost] = [0, 0, 0, 0];
  for (const [capacity, c] of [...byCapacity].sort(([a], [b]) => a.localeCompare(b))) {
    const price = prices[capacity] ?? { vcpuHour: 0, gbHour: 0, gpuHour: 0 };
    mcpu += c.mcpu;
    mib += c.mib;
    gpu += c.gpu;
    cost +=
      (c.mcpu / 3_600_000) * price.vcpuHour + (c.mib / 1024 / 3600) * price.gbHour + (c.gpu / 3600) * price.gpuHour;
  }
  return {
    sessions,
    seconds,
    vcpuHours: round(mcpu / 3_600_000, 4),
    gbHours: round(mib / 1024 / 3600, 4),
    gpuHours: round(gpu / 3600, 4),
    cost: round(cost, 4),
  };
}

/** Groups sums by user or app and by the UTC day or month they ended in, each group totalled. */
export function groupUsage(sums: readonly UsageSum[], by: 'user' | 'app', period: 'day' | 'month', prices: PriceTable) {
  const groups = new Map<string, UsageSum[]>();
  for (const s of sums) {
    const when = period === 'day' ? s.day : s.day.slice(0, 7);
    const key = `${when}\u0000${by === 'user' ? s.owner : s.app}`;
    const group = groups.get(key);
    if (group) group.push(s);
    else groups.set(key, [s]);
  }
  return [...groups]
    .map(([key, ss]) => {
      const [period_, name] = key.split('\u0000') as [string, string];
      return { period: period_, by, name, ...totalsOf(ss, prices) };
    })
    .sort((a, b) => a.period.localeCompare(b.period) || a.name.localeCompare(b.name));
}
