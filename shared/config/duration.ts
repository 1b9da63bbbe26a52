import * as z from 'zod';

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const DURATION = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?$/;

/** Parses `90`, `90s`, `500ms`, `5m`, `4d` (a bare number is seconds) to milliseconds. */
function parseDuration(value: string | number): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? value * 1000 : undefined;
  const m = DURATION.exec(value.trim());
  if (!m) return undefined;
  return Number(m[1]) * (UNITS[m[2] ?? 's'] ?? 1000);
}

/** A zod schema for a duration (seconds as a number, or a string with a unit), giving milliseconds. */
export const DurationSchema = z.union([z.number(), z.string()]).transform((value, ctx) => {
  const ms = parseDuration(value);
  if (ms === undefined) {
    ctx.addIssue({
      code: 'custom',
      message: `not a duration: ${JSON.stringify(value)} (use seconds, or e.g. "500ms", "90s", "5m", "4d")`,
    });
    return z.NEVER;
  }
  return ms;
});

/**
 * A duration that may be "no limit": `never`, 0 or -1 (ShinyProxy's, Daytona's and wslink's ways to say it) are
 * Infinity; anything else as DurationSchema reads it.
 */
export const LimitDurationSchema = z.union([z.number(), z.string()]).transform((value, ctx) => {
  if (value === 'never' || value === -1 || value === 0 || value === '0') return Number.POSITIVE_INFINITY;
  const ms = parseDuration(value);
  if (ms === undefined) {
    ctx.addIssue({
      code: 'custom',
      message: `not a duration: ${JSON.stringify(value)} (use seconds, e.g. "90s", "5m", "4d", or never)`,
    });
    return z.NEVER;
  }
  return ms;
});

/** Memory as MiB: a number, or a string with Mi/Gi/MB/GB. */
export const MemorySchema = z.union([z.number().int().positive(), z.string()]).transform((v, ctx) => {
  if (typeof v === 'number') return v;
  const m = /^(\d+(?:\.\d+)?)\s*(Mi|MiB|M|MB|Gi|GiB|G|GB)?$/.exec(v.trim());
  if (!m) {
    ctx.addIssue({
      code: 'custom',
      message: `not a memory size: ${JSON.stringify(v)} (use MiB, or e.g. "512Mi", "2Gi")`,
    });
    return z.NEVER;
  }
  return Math.round(Number(m[1]) * (m[2]?.startsWith('G') ? 1024 : 1));
});

/** A comma-separated list in one variable or context value: items trimmed, empty ones dropped. */
export const CommaListSchema = z
  .string()
  .default('')
  .transform((s) =>
    s
      .split(',')
      .map((p) => p.trim())
      .filter(Boolean),
  );
