import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalProcessRuntime } from '../../shared/adapters/runtime/local-process/local-process-runtime';
import { fixtureApp } from '../support/apps';
import { testPortRange } from '../support/ports';
import { runtimeContract } from './runtime.contract';

runtimeContract('local processes', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sp-runtime-'));
  const runtime = new LocalProcessRuntime({
    host: '127.0.0.1',
    portRange: testPortRange(),
    logDir: join(dir, 'logs'),
    runDir: join(dir, 'run'),
    stopGraceMs: 2000,
    baseEnv: { PATH: process.env.PATH ?? '' },
  });
  return {
    runtime,
    app: fixtureApp(['--mode', 'serve']),
    teardown: async () => {
      await runtime.stopAll('test');
      rmSync(dir, { recursive: true, force: true });
    },
  };
});
