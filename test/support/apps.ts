import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseApps } from '../../shared/config/apps';
import { ConfigError } from '../../shared/domain/errors';
import type { AppSpec } from '../../shared/domain/app';
import { DEFAULT_ARG_PATTERN } from '../../shared/domain/jobs';

export const FIXTURE_APP = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'fixture-app.mjs');
/** The demo batch job (examples/apps/batch.mjs). */
export const JOB_SCRIPT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'examples', 'apps', 'batch.mjs');

/** An AppSpec running the fixture app with extra arguments. */
export function fixtureApp(extraArgs: string[] = [], overrides: Partial<AppSpec> = {}): AppSpec {
  return {
    name: 'fixture',
    command: [process.execPath, FIXTURE_APP, '--host', '${host}', '--port', '${port}', ...extraArgs],
    ready: { kind: 'tcp' },
    resources: { cpu: 1, memory: 512, gpus: 0 },
    limits: { cpu: 2, memory: 1024, gpus: 0 },
    capacity: 'FARGATE',
    idleTimeoutMs: 180_000,
    maxLifetimeMs: 3_600_000,
    launchTimeoutMs: 10_000,
    env: {},
    params: {},
    stripPrefix: true,
    customImage: false,
    readOnlyRootFilesystem: false,
    ...overrides,
    containerPort: overrides.containerPort ?? overrides.port ?? 8080,
  };
}

/** The problems an apps document is refused with (it must be refused). */
export function problemsOf(doc: unknown): string[] {
  try {
    parseApps(doc, '/apps');
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

/** The demo echo app's arguments (examples/apps/echo-ws.mjs), after the program that runs it. */
export const ECHO_ARGS = [
  join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'examples', 'apps', 'echo-ws.mjs'),
  '--host',
  '${host}',
  '--port',
  '${port}',
];

/** The demo echo app (a WebSocket echo), ready on its line, as a fixture app. */
export function echoApp(overrides: Partial<AppSpec> = {}): AppSpec {
  return fixtureApp([], {
    command: [process.execPath, ...ECHO_ARGS],
    ready: { kind: 'line', line: 'App running at' },
    ...overrides,
  });
}

/** A job app: the job fixture with its exit code, run time and line count as params; arguments allowed. */
export function jobApp(overrides: Partial<AppSpec> = {}): AppSpec {
  return fixtureApp([], {
    kind: 'job',
    command: [process.execPath, JOB_SCRIPT],
    ready: { kind: 'started' },
    liveness: { probe: 'off' },
    params: {
      EXIT_CODE: { type: 'integer', min: 0, max: 255, default: '0', maxLength: 3, required: false },
      ITEM_MS: { type: 'integer', min: 0, max: 60_000, default: '0', maxLength: 5, required: false },
      ITEMS: { type: 'integer', min: 0, max: 100, default: '3', maxLength: 3, required: false },
    },
    // The default pattern, with "$", braces and spaces too (to show they reach the program as text).
    userCommand: {
      cmd: { allow: [process.execPath] },
      args: { pattern: DEFAULT_ARG_PATTERN.replace('%+-]', '%+${} -]'), maxItems: 8 },
    },
    ...overrides,
  });
}

/** An app that first writes a file named by its session (SESSION_ID) into `dir`, then listens: whether it ever ran. */
export function markingApp(dir: string): AppSpec {
  return fixtureApp([], {
    command: [
      process.execPath,
      '-e',
      "require('fs').writeFileSync(require('path').join(process.argv[1], process.env.SESSION_ID), ''); require('http').createServer().listen(+process.argv[2], process.argv[3])",
      dir,
      '${port}',
      '${host}',
    ],
  });
}
