import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import JSON5 from 'json5';
import * as z from 'zod';
import type { AppSpec, ParamSpec } from '../domain/app';
import { ConfigError } from '../domain/errors';
import { type AppDefaults, parseAppEntry } from './apps';
import { APP_NAME } from './apps-schema';
import { describeIssues } from './problems';

/**
 * A wslink launcher's config file (`python -m wslink.launcher launcher.json`), read as it is: wslink's
 * `launcher.py` (`parseConfig`, `SessionManager.createSession`, `checkSanitize`) is the reference.
 */
const Sanitize = z.discriminatedUnion('type', [
  z.looseObject({ type: z.literal('inList'), list: z.array(z.string()).min(1), default: z.string() }),
  z.looseObject({ type: z.literal('regexp'), regexp: z.string(), default: z.string() }),
]);

const Scalar = z.union([z.string(), z.number(), z.boolean()]).transform(String);

const LauncherFileSchema = z.looseObject({
  configuration: z.looseObject({
    endpoint: z.string().optional(),
    sessionURL: z.string().optional(),
    timeout: z.number().positive().optional(),
    fields: z.array(z.string()).optional(),
    sanitize: z.record(z.string(), Sanitize).optional(),
    content: z.string().optional(),
    log_dir: z.string().optional(),
  }),
  properties: z.record(z.string(), Scalar).optional(),
  sessionData: z.record(z.string(), Scalar).optional(),
  resources: z
    .array(z.looseObject({ host: z.string(), port_range: z.tuple([z.number().int(), z.number().int()]) }))
    .optional(),
  apps: z.record(
    z.string().regex(APP_NAME, 'app names are letters, digits, "_", "." and "-", at most 64'),
    z.looseObject({ cmd: z.array(z.string()).min(1), ready_line: z.string().min(1).optional() }),
  ),
});

type LauncherFile = z.output<typeof LauncherFileSchema>;

/** What the launcher itself fills in (wslink's `createSession`); never a request's to set. */
const SESSION_KEYS = new Set(['host', 'port', 'id', 'secret', 'application']);
const PLACEHOLDER = /\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))/g;

/** Whether a parsed document is a wslink launcher config rather than an apps file. */
export function isLauncherFile(doc: unknown): boolean {
  return (
    !!doc &&
    typeof doc === 'object' &&
    !Array.isArray(doc) &&
    ['configuration', 'apps'].every((k) => {
      const v = (doc as Record<string, unknown>)[k];
      return !!v && typeof v === 'object' && !Array.isArray(v);
    })
  );
}

/** JSON with `//` and `/* *\/` comments (and trailing commas), as wslink strips them before parsing. */
export function parseJsonWithComments(text: string, path: string): unknown {
  try {
    return JSON5.parse(text);
  } catch (cause) {
    throw new ConfigError(`Bad apps file ${path}`, [
      `not valid JSON: ${(cause as Error).message.replace(/^JSON5: /, '').replace(/\\(["'])/g, '$1')}`,
    ]);
  }
}

/**
 * Python's `string.Template` forms, `$name` and `${name}` (and `$$`), as the `${name}` our commands use; each
 * property filled in now (a request can never replace one: wslink would let it, so a client could name
 * `pvpython` itself).
 */
function withProperties(template: string, properties: Record<string, string>): string {
  return template.replace(/\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (whole, a, b) => {
    if (whole === '$$') return '$';
    const name = (a ?? b) as string;
    return Object.hasOwn(properties, name) ? properties[name]! : `\${${name}}`;
  });
}

/** The request keys a template reads: every placeholder not the launcher's own. */
function requestKeys(templates: readonly string[]): string[] {
  const keys = new Set<string>();
  for (const t of templates) for (const m of t.matchAll(PLACEHOLDER)) keys.add((m[1] ?? m[2])!);
  return [...keys].filter((k) => !SESSION_KEYS.has(k));
}

/**
 * A request key as a param: any text (at most 1024 characters, no control characters), or, where `sanitize` names it,
 * its list or pattern, a value outside it replaced by its default (wslink's `checkSanitize`; Python's `re.match`
 * anchors at the start only).
 */
function paramOf(key: string, sanitize: LauncherFile['configuration']['sanitize']): ParamSpec {
  const rule = sanitize?.[key];
  const base: ParamSpec = { type: 'string', maxLength: 1024, required: false };
  if (!rule) return base;
  if (rule.type === 'inList') return { ...base, enum: rule.list, default: rule.default, onInvalid: 'default' };
  return { ...base, pattern: `(?:${rule.regexp})[\\s\\S]*`, default: rule.default, onInvalid: 'default' };
}

/**
 * The apps of a wslink launcher config: `apps.<name>.cmd` with the properties filled in and `$name` read as `${name}`,
 * its `ready_line` (none: ready when its port accepts, where wslink would never see it ready), `configuration.timeout`
 * as its launch timeout, and every other placeholder a param the launcher's POST body may carry (sanitized).
 */
// Over 60 lines: one wslink config section after another, each mapped to its Sessionplane meaning.
export function fromLauncherFile(
  doc: unknown,
  path: string,
  baseDir: string,
  defaults?: AppDefaults,
): Map<string, AppSpec> {
  const parsed = LauncherFileSchema.safeParse(doc);
  if (!parsed.success) throw new ConfigError(`Bad wslink launcher file ${path}`, describeIssues(parsed.error));
  const file = parsed.data;
  const properties = file.properties ?? {};
  const sanitize = file.configuration.sanitize ?? {};
  const problems: string[] = [];
  for (const [key, rule] of Object.entries(sanitize)) {
    if (rule.type !== 'regexp') continue;
    try {
      new RegExp(rule.regexp, 'u');
    } catch {
      problems.push(`configuration.sanitize.${key}.regexp: not a regular expression this server can use`);
    }
  }
  const sessionData = Object.fromEntries(
    Object.entries(file.sessionData ?? {}).map(([k, v]) => [k, withProperties(v, properties)]),
  );
  const apps = new Map<string, AppSpec>();
  for (const [name, entry] of Object.entries(file.apps)) {
    const cmd = entry.cmd.map((arg) => withProperties(arg, properties));
    const raw = {
      cmd,
      ...(entry.ready_line ? { ready_line: entry.ready_line } : { ready: { tcp: true } }),
      ...(file.configuration.timeout !== undefined
        ? { launchTimeout: `${Math.round(file.configuration.timeout * 1000)}ms` }
        : {}),
    };
    const parsedEntry = parseAppEntry(name, raw, baseDir, defaults);
    problems.push(...parsedEntry.problems);
    if (!parsedEntry.app) continue;
    const keys = requestKeys([...cmd, ...Object.values(sessionData)]);
    parsedEntry.app.params = Object.fromEntries(keys.map((k) => [k, paramOf(k, sanitize)]));
    parsedEntry.app.paramsAsEnv = false;
    parsedEntry.app.launcherReply = { fields: file.configuration.fields ?? [], sessionData };
    apps.set(name, parsedEntry.app);
  }
  if (apps.size === 0) problems.push('apps: the file defines no apps');
  if (problems.length) throw new ConfigError(`Bad wslink launcher file ${path}`, problems);
  return apps;
}

/** What a wslink launcher file says of the server itself, where the environment does not say otherwise. */
export interface LauncherServerSettings {
  /** `configuration.content`: the pages served at `/` (SESSIONPLANE_WWW). */
  content?: string;
  /** `configuration.endpoint` when it is neither `paraview` nor `launcher`: the launcher answers there too. */
  endpoint?: string;
  /** `configuration.log_dir`: each process's output is also at `<log_dir>/<id>.txt`, as wslink writes it. */
  logDir?: string;
  /** `resources[0].port_range`: the ports of session processes (SESSIONPLANE_PORT_RANGE). */
  portRange?: [number, number];
}

/**
 * The server settings of `path` if it is a wslink launcher file (else none). Several `resources` hosts are refused: one
 * machine's processes listen on its own address.
 */
export function launcherServerSettings(path: string): LauncherServerSettings {
  if (extname(path).toLowerCase() !== '.json') return {};
  let doc: unknown;
  try {
    doc = parseJsonWithComments(readFileSync(path, 'utf8'), path);
  } catch {
    return {}; // the apps file's own loading names what is wrong with it
  }
  const parsed = LauncherFileSchema.safeParse(doc);
  if (!isLauncherFile(doc) || !parsed.success) return {};
  const { configuration, resources } = parsed.data;
  if ((resources?.length ?? 0) > 1)
    throw new ConfigError(`Bad wslink launcher file ${path}`, [
      'resources: one entry on one machine (its processes listen on its own address); several hosts are not supported',
    ]);
  const range = resources?.[0]?.port_range;
  const endpoint = configuration.endpoint?.replace(/^\/+|\/+$/g, '');
  return {
    ...(configuration.content ? { content: configuration.content } : {}),
    ...(endpoint && !['paraview', 'launcher'].includes(endpoint) ? { endpoint } : {}),
    ...(configuration.log_dir ? { logDir: configuration.log_dir } : {}),
    ...(range ? { portRange: range } : {}),
  };
}
