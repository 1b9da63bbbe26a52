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

const round = (n: number, places: number) => Math.round(n * 10 ** places) / 10 ** places;

/** The totals of some records, priced by the table (a capacity it lacks costs nothing). */
export function totalsOf(records: readonly UsageRecord[], prices: PriceTable): UsageTotals {
  let [seconds, vcpu, gb, gpu, cost] = [0, 0, 0, 0, 0];
  for (const r of records) {
    const hours = r.seconds / 3600;
    const price = prices[r.capacity] ?? { vcpuHour: 0, gbHour: 0, gpuHour: 0 };
    seconds += r.seconds;
    vcpu += r.cpu * hours;
    gb += (r.memory / 1024) * hours;
    gpu += r.gpus * hours;
    cost += r.cpu * hours * price.vcpuHour + (r.memory / 1024) * hours * price.gbHour + r.gpus * hours * price.gpuHour;
  }
  return {
    sessions: records.length,
    seconds,
    vcpuHours: round(vcpu, 4),
    gbHours: round(gb, 4),
    gpuHours: round(gpu, 4),
    cost: round(cost, 4),
  };
}

/** Groups records by user or app and by the UTC day or month they ended in, each group totalled. */
export function groupUsage(
  records: readonly UsageRecord[],
  by: 'user' | 'app',
  period: 'day' | 'month',
  prices: PriceTable,
) {
  const groups = new Map<string, UsageRecord[]>();
  for (const r of records) {
    const when = new Date(r.endedAt).toISOString().slice(0, period === 'day' ? 10 : 7);
    const key = `${when}\u0000${by === 'user' ? r.owner : r.app}`;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  return [...groups]
    .map(([key, rs]) => {
      const [period_, name] = key.split('\u0000') as [string, string];
      return { period: period_, by, name, ...totalsOf(rs, prices) };
    })
    .sort((a, b) => a.period.localeCompare(b.period) || a.name.localeCompare(b.name));
}
