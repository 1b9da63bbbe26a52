import * as z from 'zod';
import type { Policy } from '../domain/limits';
import { CommaListSchema, DurationSchema, MemorySchema } from './duration';
import { ENV } from './env-names';

/** The policy settings every entry that launches sessions reads (local server, API Lambdas). */
const Price = z.number().min(0).max(1000);
const PriceTableSchema = z.record(
  z.string().regex(/^[A-Z_]{1,32}$/),
  z.strictObject({ vcpuHour: Price, gbHour: Price, gpuHour: Price.default(0) }),
);

export const PolicyEnvSchema = z.object({
  [ENV.maxSessionsPerUser]: z.coerce.number().int().min(1).max(10_000).default(5),
  [ENV.maxJobsPerUser]: z.coerce.number().int().min(1).max(10_000).default(64),
  [ENV.queueMax]: z.coerce.number().int().min(0).max(100_000).default(1000),
  [ENV.queueWait]: DurationSchema.default(15 * 60_000),
  [ENV.jobQueueWait]: DurationSchema.default(24 * 3600_000),
  [ENV.queuePlaceCache]: DurationSchema.default(0),
  [ENV.maxCpuPerUser]: z.coerce.number().positive().max(100_000).default(8),
  [ENV.maxMemoryPerUser]: MemorySchema.default(32 * 1024),
  [ENV.maxGpusPerUser]: z.coerce.number().int().min(0).max(10_000).default(1),
  [ENV.rateLimit]: z.coerce.number().int().min(1).max(1_000_000).default(600),
  [ENV.anonymousRateLimit]: z.coerce.number().int().min(1).max(1_000_000).default(120),
  [ENV.imagePrefixes]: CommaListSchema,
  /** ≥ 64 hex digits (decoded), or any secret of ≥ 32 characters (its bytes), e.g. from Secrets Manager. */
  [ENV.tokenKey]: z.string().min(32, 'at least 32 characters (or 64 hex digits)').optional(),
  [ENV.renewCeiling]: DurationSchema.default(30 * 24 * 3600_000),
  [ENV.corsOrigins]: CommaListSchema,
  [ENV.launcherTimeout]: DurationSchema.default(25_000),
  /**
   * The price table usage is estimated with: {"FARGATE": {"vcpuHour": 0.04048, "gbHour": 0.004445, "gpuHour": 0}, …}.
   */
  [ENV.prices]: z
    .string()
    .transform((text, ctx) => {
      try {
        return PriceTableSchema.parse(JSON.parse(text));
      } catch {
        ctx.addIssue({
          code: 'custom',
          message: 'a JSON object of capacities, each {"vcpuHour", "gbHour", "gpuHour"} (numbers ≥ 0)',
        });
        return z.NEVER;
      }
    })
    .optional(),
});

/** A key written as hex: an even number of hex digits, at least 32 bytes' worth (64 digits). */
export function isHexKey(text: string): boolean {
  return /^(?:[0-9a-fA-F]{2}){32,}$/.test(text);
}

/** The token key's bytes: hex where it is written as hex (64+ digits), else its UTF-8 text (a generated secret). */
export function tokenKeyOf(key: string): Buffer {
  return isHexKey(key) ? Buffer.from(key, 'hex') : Buffer.from(key, 'utf8');
}

export function policyFrom(e: z.output<typeof PolicyEnvSchema>) {
  const key = e[ENV.tokenKey];
  return {
    policy: {
      limits: {
        sessions: e[ENV.maxSessionsPerUser],
        jobs: e[ENV.maxJobsPerUser],
        cpu: e[ENV.maxCpuPerUser],
        memory: e[ENV.maxMemoryPerUser],
        gpus: e[ENV.maxGpusPerUser],
      },
      imagePrefixes: e[ENV.imagePrefixes],
      ...(e[ENV.queueMax] > 0
        ? {
            queue: {
              max: e[ENV.queueMax],
              waitMs: { interactive: e[ENV.queueWait], batch: e[ENV.jobQueueWait] },
              placeCacheMs: e[ENV.queuePlaceCache],
            },
          }
        : {}),
      idempotencySeconds: 24 * 3600,
      renewCeilingMs: e[ENV.renewCeiling],
    } satisfies Policy as Policy,
    rateLimit: e[ENV.rateLimit],
    anonymousRateLimit: e[ENV.anonymousRateLimit],
    corsOrigins: e[ENV.corsOrigins],
    launcherTimeoutMs: e[ENV.launcherTimeout],
    tokenKey: key ? tokenKeyOf(key) : undefined,
    /** The configured price table, if any (one machine: zero without one; AWS: Fargate's list prices). */
    prices: e[ENV.prices],
  };
}
