import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AppSpec } from '../../shared/domain';

export const FIXTURE_APP = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'fixture-app.mjs');

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
  };
}
