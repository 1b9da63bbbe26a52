import * as z from 'zod';
import { DEFAULT_ARG_PATTERN, DEFAULT_MAX_ARGS } from '../domain/jobs';
import { DurationSchema, LimitDurationSchema } from './duration';

/* Parts of an app's entry in the apps file with rules of their own: its pool, its kind, its user command, its limits. */

const chosenWithin = (duration: typeof DurationSchema) =>
  z.union([
    duration,
    z
      .strictObject({ default: duration, min: duration, max: duration })
      .refine((b) => b.min <= b.default && b.default <= b.max, '`min` ≤ `default` ≤ `max`'),
  ]);

/** A duration, or `never`; or `{default, min, max}`: a launch may choose its own within them. */
export const IdleTimeoutInput = chosenWithin(LimitDurationSchema);
/** A duration; or `{default, min, max}`: a launch may choose its own within them (a lifetime is never endless). */
export const MaxLifetimeInput = chosenWithin(DurationSchema);
/**
 * Secrets by reference (#38, Clace's `{{secret}}`, ShinyProxy's ECS secrets): `{NAME: reference}`, the value never in
 * the apps file. On ECS a Secrets Manager secret's or an SSM parameter's ARN (the task definition's `secrets`: ECS
 * reads it at the task's start with the execution role); on one machine `file:/path` (a file the server may read,
 * 0600) or `env:NAME` (a variable of the server's own environment).
 */
const SecretRef = z
  .string()
  .regex(
    /^(arn:aws[\w-]*:(secretsmanager:[\w-]+:\d{12}:secret:[\w/+=.@-]+|ssm:[\w-]+:\d{12}:parameter\/[\w/.-]+)|file:\/.+|env:[A-Za-z_][A-Za-z0-9_]*)$/,
    'a Secrets Manager or SSM parameter ARN, file:/path, or env:NAME',
  );
export const SecretsInput = z.record(
  z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'not an environment variable name'),
  // `{ref, groups}`: held by those groups, only their members' sessions get it.
  z.union([
    SecretRef,
    z.strictObject({
      ref: SecretRef,
      groups: z.array(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:@+-]{0,127}$/)).min(1, 'name the groups that hold it'),
    }),
  ]),
);

/** Where a profile sets its own. */
export const ProfileLimitsInput = {
  idleTimeout: IdleTimeoutInput.optional(),
  maxLifetime: MaxLifetimeInput.optional(),
};

/** A regular expression (matched whole, with the `u` flag), as a param's or a user command's rule. */
export const RegexSchema = z.string().refine((p) => {
  try {
    new RegExp(p, 'u');
    return true;
  } catch {
    return false;
  }
}, 'not a valid regular expression');
const pattern = RegexSchema.min(1).max(1000);

/**
 * What a launch may say about its command (skaha's `cmd` and `args`): `cmd` an allow-list or a pattern of programs,
 * `args` a pattern each argument must match (default: words, paths, options and values) and how many. Absent: the
 * app's own command only.
 */
export const UserCommandInput = z
  .strictObject({
    cmd: z
      .strictObject({
        allow: z.array(z.string().min(1).max(1024)).min(1).max(100).optional(),
        pattern: pattern.optional(),
      })
      .refine((c) => c.allow || c.pattern, 'give `allow` (a list of programs) or `pattern`')
      .optional(),
    args: z
      .union([
        z.literal(true),
        z.strictObject({ pattern: pattern.optional(), maxItems: z.number().int().min(1).max(1000).optional() }),
      ])
      .transform((a) => ({
        pattern: (a === true ? undefined : a.pattern) ?? DEFAULT_ARG_PATTERN,
        maxItems: (a === true ? undefined : a.maxItems) ?? DEFAULT_MAX_ARGS,
      }))
      .optional(),
  })
  .refine((u) => u.cmd || u.args, 'give `cmd`, `args` or both');

/** `session` (the default): an interactive app, reaped when idle. `job`: runs its command to the end. */
export const KindInput = z.enum(['session', 'job']);

const ClockTime = z
  .string()
  .regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'a UTC time such as "22:00"')
  .transform((t) => Number(t.slice(0, 2)) * 60 + Number(t.slice(3)));

/**
 * An app's warm pool: `min` ready instances, at most `max`, each replaced after `ttl`; windows (UTC) with their own
 * `min`.
 */
export const PoolInput = z
  .strictObject({
    min: z.number().int().min(0).max(100),
    max: z.number().int().min(0).max(100).optional(),
    ttl: DurationSchema.optional(),
    schedule: z
      .array(z.strictObject({ from: ClockTime, to: ClockTime, min: z.number().int().min(0).max(100) }))
      .max(24)
      .optional(),
  })
  .superRefine((p, ctx) => {
    const max = p.max ?? p.min;
    if (p.min > max) ctx.addIssue({ code: 'custom', path: ['min'], message: '`min` is above `max`' });
    for (const [i, w] of (p.schedule ?? []).entries()) {
      if (w.min > max)
        ctx.addIssue({ code: 'custom', path: ['schedule', i, 'min'], message: "above the pool's `max`" });
      if (w.from === w.to)
        ctx.addIssue({ code: 'custom', path: ['schedule', i], message: '`from` and `to` are the same time' });
    }
    if (p.ttl !== undefined && p.ttl < 60_000) ctx.addIssue({ code: 'custom', path: ['ttl'], message: 'at least 60s' });
  });

/** Folders shared by a group (#38): each mounted at `path` for members of one of its `groups`, read-only unless `rw`. */
export const VolumesInput = z
  .array(
    z.strictObject({
      name: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,62}$/, 'lower-case letters, digits and . _ -, at most 63'),
      path: z
        .string()
        .regex(/^\/[A-Za-z0-9._/-]+$/, 'an absolute path such as /data/survey')
        .refine((p) => !p.split('/').includes('..') && p !== '/', 'a folder, not "/" and no ".."'),
      groups: z
        .array(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:@+-]{0,127}$/))
        .min(1, 'name the groups whose members get it'),
      mode: z.enum(['ro', 'rw']).default('ro'),
    }),
  )
  .max(10);

/** Where volumes cannot go: a process (no container to mount into), a pool or an open app (no user known at start). */
export function volumeProblems(
  a: {
    volumes?: z.output<typeof VolumesInput> | undefined;
    home?: string | false | undefined;
    image?: string | undefined;
    build?: string | undefined;
    pool?: { min: number; max?: number | undefined } | undefined;
    open?: unknown;
  },
  ctx: z.RefinementCtx,
): void {
  const volumes = a.volumes ?? [];
  for (const [i, v] of volumes.entries()) {
    if (volumes.findIndex((w) => w.name === v.name || w.path === v.path) !== i)
      ctx.addIssue({ code: 'custom', path: ['volumes', i], message: 'each volume has a name and a path of its own' });
    if (typeof a.home === 'string' && (v.path === a.home || v.path.startsWith(`${a.home}/`)))
      ctx.addIssue({ code: 'custom', path: ['volumes', i, 'path'], message: 'not in the home: mount it beside it' });
  }
  if (!volumes.length) return;
  if (!a.image && !a.build)
    ctx.addIssue({
      code: 'custom',
      path: ['volumes'],
      message: 'volumes are mounted into containers: give the app an `image` (a process shares the server’s files)',
    });
  if ((a.pool && a.pool.min + (a.pool.max ?? 0) > 0) || a.open)
    ctx.addIssue({
      code: 'custom',
      path: ['volumes'],
      message: 'volumes go to members only: a pooled or open app starts before its user is known',
    });
}
