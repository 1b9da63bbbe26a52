import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { HELPER_NAME } from '../../shared/adapters/runtime/local-process/spawner';
import WebSocket from 'ws';
import { freePort } from '../support/dynamodb-local';
import { cpuMs } from '../support/procs';
import { startServer } from '../support/server';
import { ms, quantile, table } from './stats';

/** The server's process helper (#39): its child whose last argument names it. */
function helperOf(serverPid: number): number | undefined {
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const ppid = Number(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')[1]);
      if (ppid === serverPid && readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(HELPER_NAME)) return Number(pid);
    } catch {
      // gone meanwhile
    }
  }
  return undefined;
}

/** Opens `url`, sends one message, resolves when it comes back. */
export function firstEcho(url: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    ws.once('open', () => ws.send('ping'));
    ws.once('message', () => {
      ws.close();
      resolve();
    });
    ws.once('error', reject);
  });
}

/** The floor: spawn the echo app ourselves (an environment as small as a session gets: NODE_EXTRA_CA_CERTS alone costs each start tens of ms), wait for its ready line, connect, echo; then stop it. */
export async function bareSpawn(): Promise<number> {
  const port = await freePort();
  const t0 = performance.now();
  const child = spawn(process.execPath, ['echo-ws.mjs', '--host', '127.0.0.1', '--port', String(port)], {
    cwd: 'examples/apps',
    stdio: ['ignore', 'pipe', 'ignore'],
    env: { PATH: process.env.PATH ?? '' },
  });
  await new Promise<void>((resolve) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('App running at')) resolve();
    });
  });
  await firstEcho(`ws://127.0.0.1:${port}/ws`);
  const took = performance.now() - t0;
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
  return took;
}

/**
 * Launch to first echo: POST /sessions, then at once a WebSocket on its sessionURL (the router
 * holds it until READY), one message there and back. Beside it the bare spawn of the same app.
 * One at a time, and 20 at once; the two take turns, each figure a median.
 */
export async function benchLaunchEcho(): Promise<string> {
  const server = await startServer({
    SESSIONPLANE_MAX_SESSIONS_PER_USER: '1000',
    SESSIONPLANE_MAX_CPU_PER_USER: '1000',
    SESSIONPLANE_MAX_MEMORY_PER_USER: '1000Gi',
    SESSIONPLANE_RATE_LIMIT: '100000',
    SESSIONPLANE_LOG_LEVEL: 'warn',
  });
  const viaPlane = async () => {
    const t0 = performance.now();
    const res = await server.api('/sessions', { method: 'POST', body: '{"app":"echo"}' });
    const body = (await res.json()) as { id: string; sessionURL: string };
    if (res.status !== 202) throw new Error(`launch failed: ${res.status} ${JSON.stringify(body)}`);
    await firstEcho(body.sessionURL);
    const took = performance.now() - t0;
    return { id: body.id, took };
  };
  const stop = (ids: string[]) =>
    Promise.all(ids.map((id) => server.api(`/sessions/${id}`, { method: 'DELETE' }).then((r) => r.arrayBuffer())));
  try {
    // Warm-up: the server's JIT, the store, the page cache of node and the app.
    for (let i = 0; i < 3; i++) {
      await stop([(await viaPlane()).id]);
      await bareSpawn();
    }
    const one = { plane: [] as number[], bare: [] as number[] };
    // The server's own CPU over the launches and stops (the bare spawns cost it nothing), and its process helper's (it
    // starts the sessions: part of the control plane's cost, on another process).
    const helper = helperOf(server.child.pid!);
    let serverCpu = 0;
    let helperCpu = 0;
    for (let i = 0; i < 15; i++) {
      const [cpu0, helper0] = [cpuMs(server.child.pid!), helper ? cpuMs(helper) : 0];
      const r = await viaPlane();
      one.plane.push(r.took);
      await stop([r.id]);
      serverCpu += cpuMs(server.child.pid!) - cpu0;
      helperCpu += helper ? cpuMs(helper) - helper0 : 0;
      one.bare.push(await bareSpawn());
    }
    const burst = { plane: [] as number[], bare: [] as number[] };
    for (let round = 0; round < 3; round++) {
      let t0 = performance.now();
      const launched = await Promise.all(Array.from({ length: 20 }, viaPlane));
      burst.plane.push(performance.now() - t0);
      await stop(launched.map((r) => r.id));
      t0 = performance.now();
      await Promise.all(Array.from({ length: 20 }, bareSpawn));
      burst.bare.push(performance.now() - t0);
    }
    const med = (xs: number[]) => quantile(xs, 0.5);
    return [
      '### Launch to first echo (npm start, echo app; POST /sessions, then a WebSocket on the sessionURL at once)',
      '',
      `The server's own CPU per launch and stop, one at a time: ${ms(serverCpu / 15)}; its process helper's: ${ms(helperCpu / 15)} (15 of them; /proc, 10 ms ticks).`,
      '',
      table(
        ['measure', 'Sessionplane', 'bare spawn', 'ratio', 'over bare'],
        [
          [
            'one at a time, median of 15',
            ms(med(one.plane)),
            ms(med(one.bare)),
            `${(med(one.plane) / med(one.bare)).toFixed(2)}×`,
            `+${ms(med(one.plane) - med(one.bare))}`,
          ],
          [
            '20 at once, until the last echo, median of 3',
            ms(med(burst.plane)),
            ms(med(burst.bare)),
            `${(med(burst.plane) / med(burst.bare)).toFixed(2)}×`,
            `+${ms(med(burst.plane) - med(burst.bare))}`,
          ],
        ],
      ),
    ].join('\n');
  } finally {
    await server.stop();
    rmSync(server.dataDir, { recursive: true, force: true });
  }
}
