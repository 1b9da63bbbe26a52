import * as z from 'zod';
import { CAPACITIES } from '../../shared/domain/app';
import { SESSION_STATUSES } from '../../shared/domain/session';

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
  /** Admins: every live session, of every owner. */
  all: z
    .enum(['true', 'false'])
    .transform((v) => v === 'true')
    .optional(),
});

/** Idempotency-Key: printable ASCII, as in the IETF draft's examples. */
export const IdempotencyKeySchema = z
  .string()
  .regex(/^[\x21-\x7e]{1,255}$/, 'Idempotency-Key: 1 to 255 printable ASCII characters');

const Iso = z.iso.datetime();
const ResourcesView = z.object({ cpu: z.number(), memory: z.number().int(), gpus: z.number().int() });

/** A session as the API shows it (session-view.ts builds it; tests check it against this). */
export const SessionViewSchema = z.object({
  id: z.string().regex(/^[0-9a-f]{32}$/),
  name: z.string(),
  app: z.string(),
  owner: z.string(),
  status: z.enum(SESSION_STATUSES),
  statusReason: z.string().optional(),
  /** The user's own image, when the launch named one (an app with customImage). */
  image: z.string().optional(),
  resources: ResourcesView,
  params: z.record(z.string(), z.string()),
  createdAt: Iso,
  readyAt: Iso.optional(),
  lastActivityAt: Iso.optional(),
  expiresAt: Iso,
  stoppedAt: Iso.optional(),
  /**
   * The warnings that still hold (the portal's banner): `idle`, the start of the quiet period it will
   * be stopped for unless used; `expiry`, the end it nears unless renewed. Absent once used or renewed.
   */
  warned: z.object({ idle: Iso.optional(), expiry: Iso.optional() }).optional(),
  sessionURL: z.string(),
  connectURL: z.string(),
  /** The owner's only: the session's access token and the app's secret. */
  token: z.string().optional(),
  secret: z.string().optional(),
  /** The owner's only: whom the session is shared with (see /sessions/{id}/shares). */
  shares: z.array(z.lazy(() => ShareViewSchema)).optional(),
  /** A grantee's view: the session is another's, shared with the caller (its URLs carry the caller's own token). */
  sharedWithYou: z.boolean().optional(),
  /** GET /sessions/{id} only: milliseconds each step of the launch took (network, pulled, started, ready, …) and the total. */
  timings: z.record(z.string(), z.number()).optional(),
});

/** One grant of access to a session (never its token). */
export const ShareViewSchema = z.object({
  id: z.string().regex(/^[0-9a-f]{16}$/),
  user: z.string().optional(),
  group: z.string().optional(),
  by: z.string(),
  createdAt: Iso,
  expiresAt: Iso.optional(),
});
export const ShareListSchema = z.object({ shares: z.array(ShareViewSchema) });
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

const UsageTotalsSchema = z.object({
  sessions: z.number().int(),
  seconds: z.number(),
  vcpuHours: z.number(),
  gbHours: z.number(),
  gpuHours: z.number(),
  cost: z.number(),
});
/** GET /usage as JSON. */
export const UsageReplySchema = z.object({
  from: Iso,
  to: Iso,
  user: z.string().optional(),
  groupBy: z.enum(['user', 'app']),
  period: z.enum(['day', 'month']),
  rows: z.array(UsageTotalsSchema.extend({ period: z.string(), by: z.enum(['user', 'app']), name: z.string() })),
  totals: UsageTotalsSchema,
  prices: z.object({
    table: z.record(z.string(), z.object({ vcpuHour: z.number(), gbHour: z.number(), gpuHour: z.number() })),
    source: z.string(),
    currency: z.literal('USD'),
  }),
});

/** One event of a session's log (a superset of JupyterHub's spawn-progress event). */
const SessionEventViewSchema = z.object({
  id: z.number().int().min(1),
  at: Iso,
  phase: z.string(),
  message: z.string(),
  progress: z.number().min(0).max(100),
  ready: z.boolean().optional(),
  failed: z.boolean().optional(),
  url: z.string().optional(),
  connectURL: z.string().optional(),
});

export const SessionEventListSchema = z.object({
  events: z.array(SessionEventViewSchema),
  /** Pass as `?after=` for what comes next. */
  next: z.number().int().min(0),
});

export const SessionListSchema = z.object({ sessions: z.array(SessionViewSchema), cursor: z.string().optional() });

const AppViewSchema = z.object({
  name: z.string(),
  title: z.string(),
  description: z.string().optional(),
  type: z.string().optional(),
  /** Relative to the API's base: GET it with the same credential. */
  icon: z.string().optional(),
  /** Where the app is described: the apps file, or its image's labels (then `image` says which). */
  source: z.enum(['apps-file', 'image-labels']),
  image: z.string().optional(),
  resources: ResourcesView,
  limits: ResourcesView,
  params: z.record(z.string(), z.object({ type: z.enum(['string', 'integer', 'number', 'boolean']) }).loose()),
  /** The named sizes the caller may choose (`profile` at launch). */
  profiles: z
    .array(
      z.object({
        name: z.string(),
        title: z.string(),
        resources: ResourcesView,
        capacity: z.enum(CAPACITIES).optional(),
      }),
    )
    .optional(),
  /** A launch takes a profile or the default size, not raw resources. */
  profilesOnly: z.boolean().optional(),
  idleTimeoutSeconds: z.number(),
  maxLifetimeSeconds: z.number(),
  launchTimeoutSeconds: z.number(),
});
export const AppListSchema = z.object({ apps: z.array(AppViewSchema) });

export const HomeListSchema = z.object({
  homes: z.array(
    z.object({
      owner: z.string(),
      uid: z.number().int(),
      gid: z.number().int(),
      accessPointId: z.string().optional(),
      sizeBytes: z.number().optional(),
    }),
  ),
});

const PoolViewSchema = z.object({
  app: z.string(),
  min: z.number().int(),
  max: z.number().int(),
  ttlSeconds: z.number(),
  schedule: z.array(z.object({ from: z.string(), to: z.string(), min: z.number().int() })),
  target: z.number().int(),
  ready: z.number().int(),
  starting: z.number().int(),
  claimed: z.number().int(),
  hits: z.number().int(),
  misses: z.number().int(),
  paused: z.boolean(),
  pausedBy: z.enum(['admin', 'failures']).optional(),
  pausedAt: z.string().optional(),
  pausedReason: z.string().optional(),
  failures: z.number().int(),
  nextStartAt: z.string().optional(),
  lastError: z.string().optional(),
  events: z.array(z.object({ at: z.string(), phase: z.string(), message: z.string() })),
});
export { PoolViewSchema };
export const PoolListSchema = z.object({ pools: z.array(PoolViewSchema) });
export const LaunchReplySchema = SessionViewSchema.extend({
  /** Served by the app's warm pool: READY in this reply. */
  pooled: z.boolean(),
});

/** RFC 9457, with Sessionplane's stable `code`. */
export const ProblemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    code: z.string(),
    instance: z.string().optional(),
  })
  .loose();
