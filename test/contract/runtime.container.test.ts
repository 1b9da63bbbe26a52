import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'vitest';
import {
  ContainerRuntime,
  type ContainerRuntimeOptions,
} from '../../shared/adapters/runtime/container/container-runtime';
import { CONTAINER_LABELS } from '../../shared/adapters/runtime/container/container-spec';
import { containerFixtureApp, containersLabelled, testEngine } from '../support/container-engine';
import { runtimeContract } from './runtime.contract';

const engine = await testEngine();

if ('reason' in engine) {
  describe.skip(`Runtime contract: containers (${engine.reason})`, () => {
    it('runs against a container engine', () => undefined);
  });
} else {
  runtimeContract('containers (Docker Engine API)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sp-containers-'));
    const options: ContainerRuntimeOptions = {
      docker: engine.docker,
      plane: `test-${randomBytes(6).toString('hex')}`,
      logDir: join(dir, 'logs'),
      stopGraceMs: 2000,
    };
    const runtime = new ContainerRuntime(options);
    const others: ContainerRuntime[] = [];
    const app = containerFixtureApp(['--mode', 'serve']);
    return {
      runtime,
      app,
      crash: async (runtimeId) => {
        await engine.docker.getContainer(runtimeId.slice('container:'.length)).kill();
      },
      restarted: async () => {
        const next = new ContainerRuntime(options);
        others.push(next);
        return {
          runtime: next,
          strays: await next.adopt(async () => app),
        };
      },
      resourcesSeen: async (runtimeId) => {
        const info = await engine.docker.getContainer(runtimeId.slice('container:'.length)).inspect();
        const env = Object.fromEntries(
          info.Config.Env.map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
        );
        return { cpu: (info.HostConfig.NanoCpus ?? 0) / 1e9, memory: (info.HostConfig.Memory ?? 0) / 1024 / 1024, env };
      },
      readiness: [
        {
          kind: 'tcp',
          passes: containerFixtureApp(['--mode', 'serve']),
          neverPasses: containerFixtureApp(['--mode', 'hang']),
        },
        {
          kind: 'http',
          passes: containerFixtureApp(['--mode', 'serve'], { ready: { kind: 'http', path: '/healthz' } }),
          neverPasses: containerFixtureApp(['--mode', 'serve', '--healthy-after', '600000'], {
            ready: { kind: 'http', path: '/healthz' },
          }),
        },
        {
          kind: 'line',
          passes: containerFixtureApp(['--mode', 'serve', '--ready-line', 'APP READY'], {
            ready: { kind: 'line', line: 'APP READY' },
          }),
          neverPasses: containerFixtureApp(['--mode', 'serve', '--ready-line', 'something else'], {
            ready: { kind: 'line', line: 'APP READY' },
          }),
        },
      ],
      teardown: async () => {
        await runtime.stopAll('test');
        for (const other of others) await other.stopAll('test');
        for (const c of await containersLabelled(engine.docker, `${CONTAINER_LABELS.plane}=${options.plane}`))
          await engine.docker.getContainer(c.Id).remove({ force: true });
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }, ['tcp', 'http', 'line']);
}
