import type { AppSpec, ParamSpec } from './app';
import { checkReplicaParams, REPLICA_PARAMS } from './replicas';
import type { Resources } from './session';

/* What a launch asks for, checked against its app: its params (and the env names no param may set), its size. */

/** Env names a user's params may never set: ours, and ones that change how a program loads. */
const RESERVED_ENV = new Set([
  'PORT',
  'USER',
  'SESSION_USER',
  'JPY_USER',
  'URL_ID',
  'JPY_BASE_USER_URL',
  'TRAME_USER_DATA',
  'SESSION_ID',
  'SESSION_SECRET',
  'SESSION_BASE_PATH',
  'SESSION_ACTIVITY_URL',
  'SESSION_BUSY_CPU',
  'PATH',
  'HOME',
  'NODE_OPTIONS',
  'LD_PRELOAD',
  'LD_LIBRARY_PATH',
  'PYTHONPATH',
  'PYTHONSTARTUP',
  'PYTHONHOME',
  'BASH_ENV',
  'ENV',
]);
const RESERVED_ENV_PREFIXES = ['SESSIONPLANE_', 'AWS_', 'ECS_', 'DYLD_'];

export function isReservedEnv(name: string): boolean {
  return RESERVED_ENV.has(name) || RESERVED_ENV_PREFIXES.some((p) => name.startsWith(p));
}

/**
 * Checks a user's params against the app's declared ones: only declared keys (and skaha's replica pair), each by its
 * type, pattern or enum. Returns the env values (defaults filled in) or the list of problems.
 */
export function checkParams(
  app: Pick<AppSpec, 'name' | 'params'>,
  input: Record<string, unknown>,
): { values: Record<string, string>; problems: string[] } {
  const replicas = checkReplicaParams(app.params, input);
  const problems: string[] = [...replicas.problems];
  const values: Record<string, string> = { ...replicas.values };
  for (const key of Object.keys(input)) {
    if (!Object.hasOwn(app.params, key) && !(REPLICA_PARAMS as readonly string[]).includes(key))
      problems.push(`params.${key}: not a parameter of app ${app.name}`);
  }
  for (const [key, spec] of Object.entries(app.params)) {
    const raw = Object.hasOwn(input, key) ? input[key] : undefined;
    if (raw === undefined || raw === null) {
      if (spec.default !== undefined) values[key] = spec.default;
      else if (spec.required) problems.push(`params.${key}: required`);
      continue;
    }
    const problem = checkParam(spec, raw);
    if (!problem) values[key] = String(raw);
    else if (spec.onInvalid === 'default' && spec.default !== undefined) values[key] = spec.default;
    else problems.push(`params.${key}: ${problem}`);
  }
  return { values, problems };
}

function checkParam(spec: ParamSpec, raw: unknown): string | undefined {
  if (typeof raw !== 'string' && typeof raw !== 'number' && typeof raw !== 'boolean') return `expected a ${spec.type}`;
  const text = String(raw);
  if (text.length > spec.maxLength) return `longer than ${spec.maxLength} characters`;
  // NUL and other control characters cannot be passed through an environment or argv safely.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
  if (/[\u0000-\u001f\u007f]/.test(text)) return 'control characters are not allowed';
  if (spec.type === 'boolean' && !['true', 'false'].includes(text)) return 'expected true or false';
  if (spec.type === 'integer' || spec.type === 'number') {
    const n = Number(text);
    if (text.trim() === '' || !Number.isFinite(n) || (spec.type === 'integer' && !Number.isInteger(n)))
      return `expected ${spec.type === 'integer' ? 'an integer' : 'a number'}`;
    if (spec.min !== undefined && n < spec.min) return `must be at least ${spec.min}`;
    if (spec.max !== undefined && n > spec.max) return `must be at most ${spec.max}`;
  }
  if (spec.enum && !spec.enum.includes(text)) return `must be one of ${spec.enum.join(', ')}`;
  if (spec.pattern && !new RegExp(`^(?:${spec.pattern})$`, 'u').test(text)) return `must match ${spec.pattern}`;
  return undefined;
}

/** Resolves a request's resources against the app's defaults and limits. */
export function checkResources(
  app: AppSpec,
  requested: Partial<Resources> | undefined,
): { resources: Resources; problems: string[] } {
  const resources: Resources = { ...app.resources, ...requested };
  const problems: string[] = [];
  for (const key of ['cpu', 'memory', 'gpus'] as const) {
    if (resources[key] > app.limits[key])
      problems.push(`resources.${key}: at most ${app.limits[key]} for app ${app.name}`);
  }
  return { resources, problems };
}
