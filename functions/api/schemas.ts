import * as z from 'zod';
import { DurationSchema, LimitDurationSchema } from '../../shared/config/duration';

/* What the API accepts: request bodies, queries and headers. What it answers with is in views/. */

const ParamValue = z.union([z.string().max(4096), z.number(), z.boolean()]);

/** POST /sessions. Unknown fields are an error, so a typo never silently changes nothing. */
export const LaunchBodySchema = z.strictObject({
  /** One of the app's profiles (GET /apps lists those open to the caller), instead of `resources`. */
  profile: z.string().max(32).optional(),
  app: z.string().min(1).max(64),
  name: z
    .string()
    .regex(
      /^[A-Za-z0-9][A-Za-z0-9 ._-]{0,63}$/,
      'letters, digits, space, ".", "_" and "-", at most 64, starting with a letter or digit',
    )
    .optional(),
  params: z
    .record(z.string().max(128), ParamValue)
    .refine((p) => Object.keys(p).length <= 50, 'at most 50 params')
    .optional(),
  image: z.string().min(1).max(512).optional(),
  /** A program instead of the app's command, where the app's `userCommand` allows one (checked by its rules). */
  cmd: z.string().min(1).max(1024).optional(),
  /** Arguments after the command, each as given (never through a shell), where the app allows them. */
  args: z.array(z.string().max(1024)).max(1000).optional(),
  /** Its own idle timeout ("2h", seconds, or "never"), where its app lets a launch choose (within its bounds). */
  idleTimeout: LimitDurationSchema.optional(),
  /** Its own lifetime ("8h", seconds), where its app lets a launch choose (within its bounds). */
  maxLifetime: DurationSchema.optional(),
  /** false: with no room to start it now, refuse (503) rather than wait QUEUED for its turn. */
  queue: z.boolean().optional(),
  /** A job's: N members named `<name>-<n>`, each with REPLICA_ID and REPLICA_COUNT, listed and stopped as a group. */
  replicas: z.number().int().min(1).max(512).optional(),
  resources: z
    .strictObject({
      cpu: z.number().min(0.001, 'at least 0.001 (one millicore)').max(192).optional(),
      memory: z.number().int().positive().max(1_048_576).optional(),
      gpus: z.number().int().min(0).max(16).optional(),
    })
    .optional(),
});

export const ListQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).optional(),
  cursor: z.string().max(2048).optional(),
  /** The caller's sessions of one replica group. */
  group: z
    .string()
    .regex(/^[0-9a-f]{16}$/)
    .optional(),
  /** Admins: every live session, of every owner. */
  all: z
    .enum(['true', 'false'])
    .transform((v) => v === 'true')
    .optional(),
});

/** PATCH /sessions/{id}: what its owner may change while it runs. */
export const SessionPatchSchema = z
  .strictObject({ idleTimeout: LimitDurationSchema.optional(), maxLifetime: DurationSchema.optional() })
  .refine((b) => b.idleTimeout !== undefined || b.maxLifetime !== undefined, 'give idleTimeout or maxLifetime');

/** Idempotency-Key: printable ASCII, as in the IETF draft's examples. */
export const IdempotencyKeySchema = z
  .string()
  .regex(/^[\x21-\x7e]{1,255}$/, 'Idempotency-Key: 1 to 255 printable ASCII characters');

/** POST /sessions/{id}/shares: a user or a group, and optionally until when (or for how long). */
export const ShareBodySchema = z
  .strictObject({
    user: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9._@+-]{0,127}$/)
      .optional(),
    group: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9._:@+-]{0,127}$/)
      .optional(),
    expiresAt: z.iso.datetime().optional(),
    expiresInSeconds: z
      .number()
      .int()
      .min(1)
      .max(366 * 24 * 3600)
      .optional(),
  })
  .refine((b) => (b.user === undefined) !== (b.group === undefined), 'give exactly one of user and group')
  .refine(
    (b) => b.expiresAt === undefined || b.expiresInSeconds === undefined,
    'give expiresAt or expiresInSeconds, not both',
  );

/** POST /pools/{app}/pause: why (optional), kept with the pause. */
export const PoolPauseSchema = z.strictObject({ reason: z.string().trim().min(1).max(200).optional() });
