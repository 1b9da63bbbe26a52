import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalProcessRuntime } from '../../shared/adapters/runtime/local-process/local-process-runtime';
import { fixtureApp } from '../support/apps';
import { testPortRange } from '../support/ports';
import { runtimeContract } from './runtime.contract';

runtimeContract('local processes', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sp-runtime-'));
  const options = {
    host: '127.0.0.1',
    portRange: testPortRange(),
    logDir: join(dir, 'logs'),
    runDir: join(dir, 'run'),
    stopGraceMs: 2000,
    baseEnv: { PATH: process.env.PATH ?? '' },
  };
  const runtime = new LocalProcessRuntime(options);
  return {
    runtime,
    app: fixtureApp(['--mode', 'serve']),
    crash: async (runtimeId) => {
      process.kill(Number(runtimeId.split(':')[2]), 'SIGKILL');
    },
    restarted: async () => {
      const next = new LocalProcessRuntime(options);
      return { runtime: next, strays: await next.stopStrays() };
    },
    resourcesSeen: async (runtimeId) => {
      // A process has no size of its own here (containers enforce one); it is told it, in its environment.
      const pid = Number(runtimeId.split(':')[2]);
      const env = Object.fromEntries(
        readFileSync(`/proc/${pid}/environ`, 'utf8')
          .split('\0')
          .filter(Boolean)
          .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
      );
      return { cpu: Number(env.CPU_LIMIT), memory: Number(env.MEM_LIMIT) / 1024 / 1024, env };
    },
    readiness: [
      { kind: 'tcp', passes: fixtureApp(['--mode', 'serve']), neverPasses: fixtureApp(['--mode', 'hang']) },
      {
        kind: 'http',
        passes: fixtureApp(['--mode', 'serve'], { ready: { kind: 'http', path: '/healthz' } }),
        neverPasses: fixtureApp(['--mode', 'serve', '--healthy-after', '600000'], {
          ready: { kind: 'http', path: '/healthz' },
        }),
      },
      {
        kind: 'line',
        passes: fixtureApp(['--mode', 'serve', '--ready-line', 'APP READY'], {
          ready: { kind: 'line', line: 'APP READY' },
        }),
        neverPasses: fixtureApp(['--mode', 'serve', '--ready-line', 'something else'], {
          ready: { kind: 'line', line: 'APP READY' },
        }),
      },
    ],
    teardown: async () => {
      await runtime.stopAll('test');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}, ['tcp', 'http', 'line']);
