import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from '../support/dynamodb-local';
import { testPortRange } from '../support/ports';
import { descendants, processMemory } from '../support/procs';
import { table } from './stats';

/** `npm start` as a user runs it, idle with no session: every process of its tree and its resident memory. */
export async function benchIdleMemory(): Promise<string> {
  const dataDir = mkdtempSync(join(tmpdir(), 'sp-idle-'));
  const [lo, hi] = testPortRange();
  const npm = spawn('npm', ['start', '--silent'], {
    env: {
      ...process.env,
      PORT: String(await freePort()),
      SESSIONPLANE_DATA_DIR: dataDir,
      SESSIONPLANE_PORT_RANGE: `${lo}-${hi}`,
      SESSIONPLANE_SESSION_DOMAIN: 'none',
    },
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  try {
    await new Promise<void>((resolve, reject) => {
      let out = '';
      npm.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('Sessionplane is listening on')) resolve();
      });
      npm.once('exit', (code) => reject(new Error(`npm start exited ${code}`)));
    });
    await sleep(3000); // settled: start-up garbage collected, timers idle
    const rows = [npm.pid!, ...descendants(npm.pid!)].flatMap((pid) => {
      const m = processMemory(pid);
      return m ? [[pid === npm.pid ? `${m.name} (npm itself)` : m.name, (m.rssKiB / 1024).toFixed(1)]] : [];
    });
    const total = rows.reduce((sum, r) => sum + Number(r[1]), 0);
    return [
      '### Idle memory of `npm start` (no session), resident set of every process in its tree',
      '',
      table(['process', 'RSS MiB'], [...rows, ['**total**', total.toFixed(1)]]),
    ].join('\n');
  } finally {
    npm.kill('SIGTERM');
    await new Promise((r) => (npm.exitCode === null ? npm.once('exit', r) : r(undefined)));
    rmSync(dataDir, { recursive: true, force: true });
  }
}
