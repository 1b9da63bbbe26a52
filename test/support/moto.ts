import { spawn, spawnSync } from 'node:child_process';
import { describe } from 'vitest';

/** Whether moto's server can run here (`python3 -m moto.server`, preinstalled on these machines). */
function motoAvailable(): boolean {
  return spawnSync('python3', ['-c', 'import moto.server'], { stdio: 'ignore' }).status === 0;
}

/**
 * `describe` where moto runs, `describe.skip` where it does not; in CI a missing moto is an error,
 * so the tier can never be skipped there unnoticed.
 */
export function motoDescribe(): typeof describe | typeof describe.skip {
  if (motoAvailable()) return describe;
  if (process.env.CI) throw new Error('CI must run the moto tier, but python3 -m moto.server is not available.');
  return describe.skip;
}

/**
 * moto's server on a port the OS picks (`-p 0`); it prints the address it took. `pythonPath`: a moto of its own (its
 * source unpacked there) instead of the installed one.
 */
export async function startMoto(pythonPath?: string): Promise<{ endpoint: string; close(): Promise<void> }> {
  const child = spawn('python3', ['-m', 'moto.server', '-H', '127.0.0.1', '-p', '0'], {
    ...(pythonPath ? { env: { ...process.env, PYTHONPATH: pythonPath } } : {}),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const endpoint = await new Promise<string>((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`moto did not start within 30 s: ${seen}`)), 30_000);
    const read = (chunk: Buffer) => {
      seen += chunk.toString();
      const m = /Running on (http:\/\/127\.0\.0\.1:\d+)/.exec(seen);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    };
    child.stdout.on('data', read);
    child.stderr.on('data', read);
    child.once('exit', (code) => reject(new Error(`moto exited with ${code}: ${seen}`)));
  });
  return {
    endpoint,
    close: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
  };
}
