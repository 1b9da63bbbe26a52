import { mkdtempSync, rmSync } from 'node:fs';
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
    teardown: async () => {
      await runtime.stopAll('test');
      rmSync(dir, { recursive: true, force: true });
    },
  };
});
