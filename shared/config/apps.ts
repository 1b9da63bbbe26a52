import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type * as z from 'zod';
import {
  DEFAULT_CONTAINER_PORT,
  DEFAULT_IDLE_TIMEOUT_MS,
  DEFAULT_LAUNCH_TIMEOUT_MS,
  DEFAULT_MAX_LIFETIME_MS,
  type AppSpec,
  type ParamSpec,
  type ProfileLimits,
} from '../domain/app';
import { ConfigError } from '../domain/errors';
import type { Resources } from '../domain/session';
import { AppInputSchema, AppsFileSchema } from './apps-schema';
import { ONCE, describeIssues } from './problems';

/** The trame image's defaults (Kitware/trame docker/scripts/generate_launcher_config.py). */
const TRAME_DEFAULT_ARGS = ['--host', '${host}', '--port', '${port}', '--authKey', '${secret}', '--server'];
const TRAME_READY_LINE = 'App running at';
const DEFAULT_RESOURCES: Resources = { cpu: 1, memory: 2048, gpus: 0 };
/** A pooled instance nobody claimed is replaced after this long (a fresh one, with the current image). */
const DEFAULT_POOL_TTL_MS = 6 * 3600_000;

type AppInput = z.output<typeof AppInputSchema>;
/** An open app's bounds by default: the visitors' sessions live at once, and launches a minute from one address. */
const OPEN_MAX = 20;
const OPEN_PER_ADDRESS = 6;

/**
 * What the runtime in use adds to an app's own start (its `launchTimeout`, or a minute): nothing for a process, the
 * network interface, the image pull and perhaps an instance for an ECS task.
 */
export interface AppDefaults {
  platformStartMs(app: { resources: Resources }): number;
}

const PROCESS_DEFAULTS: AppDefaults = { platformStartMs: () => 0 };

// Over 60 lines: the apps file's fields mapped to the spec one by one.
function toSpec(name: string, a: AppInput, baseDir: string, defaults: AppDefaults): AppSpec {
  const command = a.cmd ?? (a.app ? [a.app, ...TRAME_DEFAULT_ARGS, ...(a.args ?? [])] : []);
  const job = (a.kind ?? (a.skahaType === 'headless' ? 'job' : 'session')) === 'job';
  const ready: AppSpec['ready'] = a.ready_line
    ? { kind: 'line', line: a.ready_line }
    : a.ready === 'started' || (job && !a.ready)
      ? { kind: 'started' }
      : a.ready
        ? 'line' in a.ready
          ? { kind: 'line', line: a.ready.line }
          : 'http' in a.ready
            ? { kind: 'http', path: a.ready.http }
            : { kind: 'tcp' }
        : a.app && !a.cmd
          ? { kind: 'line', line: TRAME_READY_LINE }
          : { kind: 'tcp' };
  const resources = { ...DEFAULT_RESOURCES, ...a.resources };
  const params: Record<string, ParamSpec> = {};
  for (const [key, p] of Object.entries(a.params ?? {})) {
    params[key] = { maxLength: 1024, required: false, ...p } as ParamSpec;
  }
  const spec: AppSpec = {
    name,
    command,
    ready,
    resources,
    limits: { ...resources, ...a.limits },
    capacity: a.capacity ?? 'FARGATE',
    containerPort: a.port ?? DEFAULT_CONTAINER_PORT,
    idleTimeoutMs: DEFAULT_IDLE_TIMEOUT_MS,
    maxLifetimeMs: DEFAULT_MAX_LIFETIME_MS,
    ...limitsFrom(a),
    launchTimeoutMs: (a.launchTimeout ?? DEFAULT_LAUNCH_TIMEOUT_MS) + defaults.platformStartMs({ resources }),
    env: a.env ?? {},
    params,
    stripPrefix: a.stripPrefix ?? true,
    customImage: a.customImage ?? false,
    readOnlyRootFilesystem: a.readOnlyRootFilesystem ?? false,
    cwd: resolve(baseDir, a.cwd ?? '.'),
  };
  if (job) {
    spec.kind = 'job';
    // Nothing to probe: a job is alive while its command runs, and its end is noticed at once.
    spec.liveness = { probe: 'off' };
  }
  if (a.userCommand) spec.userCommand = a.userCommand;
  if (a.description !== undefined) spec.description = a.description;
  if (a.title !== undefined) spec.title = a.title;
  if (a.icon !== undefined) spec.icon = a.icon;
  if (a.type !== undefined) spec.type = a.type;
  if (a.skahaType !== undefined) spec.skahaType = a.skahaType;
  if (a.access) spec.access = a.access;
  if (a.profiles)
    spec.profiles = Object.entries(a.profiles).map(([name, p]) => ({
      name,
      ...(p.title ? { title: p.title } : {}),
      resources: { ...resources, ...p.resources },
      ...(p.capacity ? { capacity: p.capacity } : {}),
      ...(p.access ? { access: p.access } : {}),
      ...(p.idleTimeout !== undefined || p.maxLifetime !== undefined ? { limits: limitsFrom(p) } : {}),
    }));
  if (a.profilesOnly) spec.profilesOnly = true;
  if (a.skahaImage !== undefined) spec.skahaImage = a.skahaImage;
  if (a.warnBefore !== undefined) spec.warnBeforeMs = a.warnBefore;
  if (a.busyCpu !== undefined) spec.busyCpu = a.busyCpu;
  if (a.priority) spec.priority = a.priority;
  if (a.secrets) {
    spec.secrets = Object.fromEntries(
      Object.entries(a.secrets).map(([k, v]) => [k, typeof v === 'string' ? v : v.ref]),
    );
    const held = Object.entries(a.secrets).flatMap(([k, v]) => (typeof v === 'string' ? [] : [[k, v.groups] as const]));
    if (held.length) spec.secretGroups = Object.fromEntries(held);
  }
  if (a.bar) spec.bar = true;
  if (a.volumes?.length) spec.volumes = a.volumes;
  if (a.frameAncestors)
    spec.frameAncestors = a.frameAncestors.map((v) => (v === 'self' || v === 'none' ? `'${v}'` : v)).join(' ');
  if (a.image !== undefined) spec.image = a.image;
  if (a.build !== undefined) spec.build = resolve(baseDir, a.build);
  if (a.port !== undefined) spec.port = a.port;
  if (a.launcherReuse) spec.launcherReuse = true;
  if (a.open)
    spec.open = {
      max: (a.open === true ? undefined : a.open.max) ?? OPEN_MAX,
      perAddressPerMinute: (a.open === true ? undefined : a.open.perAddressPerMinute) ?? OPEN_PER_ADDRESS,
    };
  if ((a.client ?? (a.www_modules || a.client_type ? 'www' : 'session')) === 'www') spec.webClient = true;
  if (a.liveness !== undefined)
    spec.liveness =
      a.liveness === 'off'
        ? { probe: 'off' }
        : {
            probe: a.liveness.probe,
            ...(a.liveness.interval !== undefined ? { intervalMs: a.liveness.interval } : {}),
            ...(a.liveness.failures !== undefined ? { failures: a.liveness.failures } : {}),
          };
  if (typeof a.home === 'string') spec.home = a.home;
  if (a.pool)
    spec.pool = {
      min: a.pool.min,
      max: a.pool.max ?? a.pool.min,
      ttlMs: a.pool.ttl ?? DEFAULT_POOL_TTL_MS,
      schedule: a.pool.schedule ?? [],
    };
  return spec;
}

/** Validates one app's entry (of the apps file, or made from an image's labels). */
export function parseAppEntry(
  name: string,
  raw: unknown,
  baseDir: string,
  defaults: AppDefaults = PROCESS_DEFAULTS,
): { app?: AppSpec; problems: string[] } {
  const parsed = AppInputSchema.safeParse(raw, ONCE);
  if (!parsed.success)
    return {
      problems: describeIssues(parsed.error, `app ${name}`).map((p) => p.replace(`app ${name}.`, `app ${name}: `)),
    };
  return { app: toSpec(name, parsed.data, baseDir, defaults), problems: [] };
}

/**
 * Validates the parsed apps document. Every problem names the app and the key; all problems of
 * all apps are reported at once.
 */
export function parseApps(
  doc: unknown,
  baseDir = process.cwd(),
  defaults: AppDefaults = PROCESS_DEFAULTS,
): Map<string, AppSpec> {
  if (doc === null || doc === undefined) throw new ConfigError('Bad apps file', ['the file defines no apps']);
  const top = AppsFileSchema.safeParse(doc, ONCE);
  if (!top.success) throw new ConfigError('Bad apps file', describeIssues(top.error));
  const problems: string[] = [];
  const apps = new Map<string, AppSpec>();
  for (const [name, raw] of Object.entries(top.data)) {
    const entry = parseAppEntry(name, raw, baseDir, defaults);
    if (entry.app) apps.set(name, entry.app);
    problems.push(...entry.problems);
  }
  if (apps.size === 0 && problems.length === 0) problems.push('the file defines no apps');
  if (problems.length) throw new ConfigError('Bad apps file', problems);
  return apps;
}

/**
 * Reads and validates an apps file written as JSON: what the functions on AWS read (the stack
 * converts apps.yml at synth time, so no YAML parser is in their bundles). Same rules as the YAML.
 */
export function loadAppsJson(path: string, defaults?: AppDefaults): Map<string, AppSpec> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    throw new ConfigError(`Cannot read apps file ${path}`, [(cause as Error).message]);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (cause) {
    throw new ConfigError(`Bad apps file ${path}`, [`not valid JSON: ${(cause as Error).message}`]);
  }
  return parseAppsAt(path, doc, defaults);
}

/** Validates a parsed apps document read from `path`; problems name the file. */
export function parseAppsAt(path: string, doc: unknown, defaults?: AppDefaults): Map<string, AppSpec> {
  try {
    return parseApps(doc, dirname(resolve(path)), defaults);
  } catch (error) {
    if (error instanceof ConfigError) throw new ConfigError(`Bad apps file ${path}`, error.problems);
    throw error;
  }
}
export type { AppSpec } from '../domain/app';

type Chosen = number | { default: number; min: number; max: number };

/** An entry's (or a profile's) `idleTimeout` and `maxLifetime`, each a value or `{default, min, max}`. */
function limitsFrom(a: { idleTimeout?: Chosen | undefined; maxLifetime?: Chosen | undefined }): ProfileLimits {
  const limits: ProfileLimits = {};
  if (typeof a.idleTimeout === 'number') limits.idleTimeoutMs = a.idleTimeout;
  else if (a.idleTimeout) {
    limits.idleTimeoutMs = a.idleTimeout.default;
    limits.idleTimeoutBounds = { min: a.idleTimeout.min, max: a.idleTimeout.max };
  }
  if (typeof a.maxLifetime === 'number') limits.maxLifetimeMs = a.maxLifetime;
  else if (a.maxLifetime) {
    limits.maxLifetimeMs = a.maxLifetime.default;
    limits.maxLifetimeBounds = { min: a.maxLifetime.min, max: a.maxLifetime.max };
  }
  return limits;
}
