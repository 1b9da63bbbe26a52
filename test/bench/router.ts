import { spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { startServer } from '../support/server';
import { freePort } from '../support/dynamodb-local';
import { waitFor } from '../support/wait';
import { ms, quantile, table } from './stats';
import { echoLatency, echoThroughput } from './ws-load';

/**
 * WebSocket echo through three paths to one echo app: direct, the Sessionplane router (npm start,
 * its own process), and configurable-http-proxy (JupyterHub's proxy, its own process).
 */
export async function benchRouter(): Promise<string> {
  const server = await startServer();
  const chpPort = await freePort();
  let chp: ReturnType<typeof spawn> | undefined;
  try {
    const launched = (await (await fetch(`${server.base}/sessions`, { method: 'POST', body: '{"app":"echo"}' })).json()) as { id: string; sessionURL: string };
    await waitFor(async () => ((await (await fetch(`${server.base}/sessions/${launched.id}`)).json()) as { status: string }).status === 'READY', 15_000, 'READY');
    const echoPort = Number(/App running at http:\/\/127\.0\.0\.1:(\d+)/.exec(readFileSync(join(server.dataDir, 'logs', `${launched.id}.log`), 'utf8'))![1]);
    chp = spawn(process.execPath, ['node_modules/configurable-http-proxy/bin/configurable-http-proxy', '--ip', '127.0.0.1', '--port', String(chpPort), '--api-ip', '127.0.0.1', '--api-port', String(await freePort()), '--default-target', `http://127.0.0.1:${echoPort}`, '--log-level', 'error'], { stdio: 'ignore', env: { PATH: process.env.PATH, CONFIGPROXY_AUTH_TOKEN: 'bench' } });
    await waitFor(async () => (await fetch(`http://127.0.0.1:${chpPort}/`).catch(() => undefined))?.ok, 15_000, 'chp up');

    const paths: [string, string][] = [
      ['direct', `ws://127.0.0.1:${echoPort}/ws`],
      ['Sessionplane router', launched.sessionURL],
      ['configurable-http-proxy 5.3.0', `ws://127.0.0.1:${chpPort}/ws`],
    ];
    // Two cores serve the client, the proxy and the app at once, so one pass is noisy: the paths
    // take turns over ROUNDS rounds and each figure is the median of its rounds.
    const ROUNDS = 3;
    const samples = paths.map(() => ({ p50: [] as number[], p99: [] as number[], rate: [] as number[], mib: [] as number[] }));
    for (const [, url] of paths) {
      await echoLatency(url, 20, 200); // warm-up
      await echoThroughput(url, 8, 1024 * 1024);
    }
    for (let round = 0; round < ROUNDS; round++) {
      for (const [i, [, url]] of paths.entries()) {
        const lat = await echoLatency(url, 20, 2000);
        const thr = await echoThroughput(url, 100, 1024 * 1024);
        samples[i]!.p50.push(lat.p50);
        samples[i]!.p99.push(lat.p99);
        samples[i]!.rate.push(lat.perSecond);
        samples[i]!.mib.push(thr.mibPerSecond);
      }
    }
    const med = (xs: number[]) => quantile(xs, 0.5);
    const rows: (string | number)[][] = paths.map(([name], i) => {
      const s = samples[i]!;
      return [name, ms(med(s.p50), 3), ms(med(s.p99), 3), med(s.rate).toFixed(0), med(s.mib).toFixed(0)];
    });
    const direct = rows[0]!;
    const over = (row: (string | number)[], col: number) => `+${(parseFloat(String(row[col])) - parseFloat(String(direct[col]))).toFixed(3)} ms`;
    return [
      '### Session router: WebSocket echo (20 connections × 2000 messages of 100 B; 100 messages of 1 MiB, 4 in flight; median of 3 interleaved rounds)',
      '',
      table(['path', 'RTT p50', 'RTT p99', 'messages/s', '1 MiB echo, MiB/s'], rows),
      '',
      table(['overhead over direct', 'p50', 'p99'], rows.slice(1).map((r) => [r[0]!, over(r, 1), over(r, 2)])),
    ].join('\n');
  } finally {
    chp?.kill('SIGTERM');
    await server.stop();
    rmSync(server.dataDir, { recursive: true, force: true });
  }
}
