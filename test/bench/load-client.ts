import { spawn } from 'node:child_process';

/**
 * GETs `url` `total` times with `inFlight` at a time (after `warmup` more), from a load client in its own process, so
 * the client's own work does not share the server's event loop: each request's time and the rate answered.
 */
export function loadFromOwnProcess(
  url: string,
  authorization: string,
  total: number,
  inFlight: number,
  warmup = 0,
): Promise<{ latencies: number[]; perSecond: number }> {
  return new Promise((resolve, reject) => {
    const client = spawn(
      process.execPath,
      ['test/bench/http-client.mjs', url, String(total), String(inFlight), String(warmup), authorization],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    client.stdout.on('data', (d: Buffer) => (out += d.toString()));
    client.once('exit', (code) =>
      code === 0
        ? resolve(JSON.parse(out) as { latencies: number[]; perSecond: number })
        : reject(new Error(`load client exited ${code}`)),
    );
  });
}
