import * as z from 'zod';
import { CAPACITIES, SKAHA_TYPES } from '../domain/app';
import { isReservedEnv } from '../domain/launch-request';
import { DurationSchema, MemorySchema as Memory } from './duration';
import {
  IdleTimeoutInput,
  KindInput,
  MaxLifetimeInput,
  PoolInput,
  ProfileLimitsInput,
  RegexSchema,
  SecretsInput,
  UserCommandInput,
  VolumesInput,
  volumeProblems,
} from './apps-schema-parts';

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const Argv = z.union([
  z.array(z.string()).min(1),
  z
    .string()
    .min(1)
    .transform((s) => s.trim().split(/\s+/)),
]);

const ResourcesInput = z.strictObject({
  cpu: z.number().positive().max(192).optional(),
  memory: Memory.optional(),
  gpus: z.number().int().min(0).max(16).optional(),
});

const NAMES = z.array(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:@+-]{0,127}$/)).max(1000);
/** `access: {users, groups}`: who may launch the app (or choose the profile). */
const AccessInput = z
  .strictObject({ users: NAMES.default([]), groups: NAMES.default([]) })
  .refine((a) => a.users.length + a.groups.length > 0, 'name at least one user or group');

const ProfileInput = z.strictObject({
  title: z.string().min(1).max(100).optional(),
  resources: ResourcesInput,
  capacity: z.enum(CAPACITIES).optional(),
  access: AccessInput.optional(),
  ...ProfileLimitsInput,
});

const ParamInput = z.union([
  z.enum(['string', 'integer', 'number', 'boolean']).transform((type) => ({ type })),
  z.strictObject({
    type: z.enum(['string', 'integer', 'number', 'boolean']).default('string'),
    pattern: RegexSchema.optional(),
    enum: z
      .array(z.union([z.string(), z.number(), z.boolean()]).transform(String))
      .min(1)
      .optional(),
    min: z.number().optional(),
    max: z.number().optional(),
    maxLength: z.number().int().positive().max(4096).optional(),
    default: z.union([z.string(), z.number(), z.boolean()]).transform(String).optional(),
    required: z.boolean().optional(),
    description: z.string().optional(),
  }),
]);

const ReadyInput = z.union(
  [
    z.strictObject({ line: z.string().min(1) }),
    z.strictObject({ tcp: z.union([z.literal(true), z.strictObject({})]) }),
    z.strictObject({ http: z.string().startsWith('/') }),
    z.literal('started'),
  ],
  { error: 'expected {line: "..."}, {tcp: true}, {http: "/path"} or started' },
);

/** One app in the apps file: the trame image's apps.yml keys plus Sessionplane's own. */
export const AppInputSchema = z
  .strictObject({
    // trame apps.yml
    app: z.string().min(1).optional(),
    cmd: Argv.optional(),
    args: Argv.optional(),
    ready_line: z.string().min(1).optional(),
    www_modules: z.array(z.string()).optional(),
    client_type: z.string().optional(),
    // Sessionplane
    /** `job`: runs its command to the end, COMPLETED or FAILED with its exit code, never idle-stopped. */
    kind: KindInput.optional(),
    /** What a launch may say about its command (skaha's `cmd` and `args`); absent: none. */
    userCommand: UserCommandInput.optional(),
    description: z.string().max(500).optional(),
    /** The name people see (SimPhoNy's `ui_name`); the app's key otherwise. */
    title: z.string().min(1).max(100).optional(),
    /** A PNG or SVG, as a data: URL (the apps file may name a file; it is read in). */
    icon: z
      .string()
      .max(256 * 1024, 'an icon of at most 192 KiB')
      .regex(
        /^data:image\/(png|svg\+xml);base64,[A-Za-z0-9+/]+={0,2}$/,
        'a PNG or SVG file next to the apps file, or a data:image/png;base64 URL',
      )
      .optional(),
    /** What kind of app (SimPhoNy's `webapp`/`vncapp`; skaha's session types). */
    type: z
      .string()
      .regex(/^[a-z][a-z0-9-]{0,31}$/)
      .optional(),
    /**
     * Its skaha session type (skaha's `type`, `/image?type=`); default: `type` if it is one of skaha's, else
     * `contributed`.
     */
    skahaType: z.enum(SKAHA_TYPES).optional(),
    /**
     * The image id skaha's clients launch it by, for an app without `image` (built by the stack, or a process on one
     * machine).
     */
    skahaImage: z
      .string()
      .regex(
        /^[a-z0-9][a-z0-9._-]*(:\d+)?(\/[a-z0-9._-]+)+(:[A-Za-z0-9_.-]{1,128})?$/,
        'an image reference such as images.example.org/demo/hello:1',
      )
      .optional(),
    image: z.string().min(1).optional(),
    /** A folder (relative to the apps file) with a Containerfile: the CDK stack builds the app's image from it. */
    build: z.string().min(1).optional(),
    customImage: z.boolean().optional(),
    readOnlyRootFilesystem: z.boolean().optional(),
    port: z.number().int().min(1).max(65535).optional(),
    ready: ReadyInput.optional(),
    launcherReuse: z.boolean().optional(),
    /** Where people open it: `session`, its own address, or `www`, the server's web client (see apps-docs.ts). */
    client: z.enum(['session', 'www']).optional(),
    /** Open to anyone who opens its URL, no account (the trame image's model), within these bounds. */
    open: z
      .union([
        z.literal(true),
        z.strictObject({
          max: z.number().int().min(1).max(10_000).optional(),
          perAddressPerMinute: z.number().int().min(1).max(1000).optional(),
        }),
      ])
      .optional(),
    liveness: z
      .union([
        z.literal('off'),
        z.strictObject({
          probe: z.enum(['tcp', 'http', 'off']).default('tcp'),
          interval: DurationSchema.optional(),
          failures: z.number().int().min(1).max(100).optional(),
        }),
      ])
      .optional(),
    resources: ResourcesInput.optional(),
    limits: ResourcesInput.optional(),
    capacity: z.enum(CAPACITIES).optional(),
    access: AccessInput.optional(),
    /**
     * Named sizes: `{small: {resources: {cpu: 1, memory: 2Gi}}, gpu: {resources: {gpus: 1}, access: {groups: [gpu]}}}`.
     */
    profiles: z
      .record(
        z.string().regex(/^[a-z0-9][a-z0-9-]{0,31}$/, 'lower-case letters, digits and "-", at most 32'),
        ProfileInput,
      )
      .optional(),
    profilesOnly: z.boolean().optional(),
    idleTimeout: IdleTimeoutInput.optional(),
    /**
     * How long before an idle or expiry stop its event log warns (default 5 min; at most half the idle timeout or
     * lifetime).
     */
    warnBefore: DurationSchema.optional(),
    secrets: SecretsInput.optional(),
    /** In use while it uses more than this many vCPUs (its CPU rule). */
    busyCpu: z.number().positive().max(192).optional(),
    /** Its launches wait ahead of lower ones in the queue (within their class). */
    priority: z.number().int().min(-1000).max(1000).optional(),
    maxLifetime: MaxLifetimeInput.optional(),
    launchTimeout: DurationSchema.optional(),
    env: z
      .record(
        z.string().regex(ENV_NAME, 'not an environment variable name'),
        z.union([z.string(), z.number(), z.boolean()]).transform(String),
      )
      .optional(),
    params: z
      .record(
        z
          .string()
          .regex(/^[A-Z_][A-Z0-9_]*$/, 'param names are upper-case env names')
          .refine((k) => !isReservedEnv(k), 'reserved: a user may not set it'),
        ParamInput,
      )
      .optional(),
    stripPrefix: z.boolean().optional(),
    /** Opened with the thin bar on top (the portal, the time left, Extend, Stop) and the app framed below. */
    bar: z.boolean().optional(),
    /** Who may frame the app's pages (CSP frame-ancestors): `self` (the default), `none`, or origins. */
    frameAncestors: z
      .array(
        z.union([
          z.enum(['self', 'none']),
          z
            .string()
            .regex(
              /^https?:\/\/(\*\.)?[A-Za-z0-9.-]+(:\d{1,5})?$/,
              'an origin such as https://portal.example.org (or https://*.example.org), self or none',
            ),
        ]),
      )
      .min(1)
      .max(20)
      .refine((list) => !list.includes('none') || list.length === 1, '`none` stands alone')
      .optional(),
    cwd: z.string().optional(),
    /** Instances kept started and ready before anyone asks, claimed by launches that take the app's defaults. */
    pool: PoolInput.optional(),
    /** Folders shared by a group: each mounted at `path` for members of one of its `groups`, read-only unless `rw`. */
    volumes: VolumesInput.optional(),
    /** Where the user's home is mounted in a session (`/home/user`); `false` (the default): no home. */
    home: z
      .union([
        z.literal(false),
        z
          .string()
          .regex(/^\/[A-Za-z0-9._/-]*$/, 'an absolute path such as /home/user')
          .refine((p) => !p.split('/').includes('..'), 'no ".."'),
      ])
      .optional(),
  })
  .superRefine((a, ctx) => {
    if (a.cmd && a.args)
      ctx.addIssue({
        code: 'custom',
        message: '`cmd` and `args` cannot be used together (`args` extends the default command of `app`)',
      });
    if (a.args && !a.app) ctx.addIssue({ code: 'custom', path: ['args'], message: '`args` needs `app`' });
    if (!a.app && !a.cmd && !a.image && !a.build)
      ctx.addIssue({ code: 'custom', message: 'needs `app`, `cmd` or `image`' });
    if (a.image && a.skahaImage)
      ctx.addIssue({
        code: 'custom',
        path: ['skahaImage'],
        message: 'an app with `image` is known to skaha by it: drop `skahaImage`',
      });
    if (a.image && a.build)
      ctx.addIssue({
        code: 'custom',
        path: ['build'],
        message: '`build` makes the image: give `image` or `build`, not both',
      });
    if (a.pool && a.pool.min + (a.pool.max ?? 0) > 0 && typeof a.home === 'string')
      ctx.addIssue({
        code: 'custom',
        path: ['pool'],
        message: 'an app with a `home` cannot be pooled: a home is mounted for its user at start',
      });
    if (a.open && a.home !== undefined && a.home !== false)
      ctx.addIssue({
        code: 'custom',
        path: ['open'],
        message: 'an app open to anyone has no home: a visitor has none',
      });
    volumeProblems(a, ctx);
    if (a.open && a.access)
      ctx.addIssue({
        code: 'custom',
        path: ['open'],
        message: '`open` lets anyone launch it: drop `access`, or `open`',
      });
    if (a.kind === 'job' && (a.pool || a.open))
      ctx.addIssue({ code: 'custom', path: ['kind'], message: 'a job is neither pooled nor open to visitors' });
    if (a.ready_line && a.ready)
      ctx.addIssue({ code: 'custom', message: '`ready_line` and `ready` cannot be used together' });
    for (const key of Object.keys(a.env ?? {})) {
      if (['PORT', 'SESSION_ID', 'SESSION_SECRET', 'SESSION_BASE_PATH'].includes(key))
        ctx.addIssue({ code: 'custom', path: ['env', key], message: 'set by Sessionplane for every session' });
    }
    for (const [key, p] of Object.entries(a.params ?? {})) {
      if ('min' in p && p.min !== undefined && p.max !== undefined && p.min > p.max)
        ctx.addIssue({ code: 'custom', path: ['params', key], message: '`min` is above `max`' });
    }
  });

export const APP_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
export const AppsFileSchema = z.record(
  z.string().regex(APP_NAME, 'app names are letters, digits, "_", "." and "-", at most 64'),
  z.unknown(),
);
