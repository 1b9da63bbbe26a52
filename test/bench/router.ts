import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { createDocumentClient } from '../../shared/adapters/dynamodb-client';
import { DynamoDbSessionStore } from '../../shared/adapters/dynamodb-session-store';
import { ensureSessionsTable } from '../../shared/adapters/dynamodb-table';
import { startEmbeddedDynamoDb } from '../../shared/adapters/embedded-dynamodb';
import { hashToken, newToken } from '../../shared/domain';
import { makeSession } from '../support/sessions';
import { startServer } from '../support/server';
import { freePort } from '../support/dynamodb-local';
import { waitFor, waitForText } from '../support/wait';
import { ms, quantile, table } from './stats';
import { echoLatency, echoThroughput } from './ws-load';

/**
 * The router as the Fargate service runs it (functions/router/main.ts, its own process), reading
 * a session record that points at `endpoint` from a dynalite in this process.
 */
async function startStandaloneRouter(endpoint: string): Promise<{ url: string; stop(): Promise<void> }> {
  const db = await startEmbeddedDynamoDb();
  const client = createDocumentClient({ endpoint: db.endpoint, region: 'local' });
  await ensureSessionsTable(client, 'sessions');
  const token = newToken();
  const session = makeSession({ status: 'READY', tokenHash: hashToken(token), runtime: { kind: 'bench', runtimeId: 'bench', endpoint } });
  await new DynamoDbSessionStore(client, 'sessions').create(session);
  const port = await freePort();
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'functions/router/main.ts'], {
    env: {
      PATH: process.env.PATH,
      PORT: String(port),
      HOST: '127.0.0.1',
      SESSIONPLANE_APPS: 'examples/apps/apps.yml',
      SESSIONPLANE_TABLE: 'sessions',
      SESSIONPLANE_DYNAMODB_ENDPOINT: db.endpoint,
      AWS_REGION: 'local',
      SESSIONPLANE_PUBLIC_URL: 'http://127.0.0.1',
      SESSIONPLANE_LOG_LEVEL: 'warn',
    },
    stdio: 'ignore',
  });
  await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => undefined))?.ok, 20_000, 'router up');
  return {
    url: `ws://127.0.0.1:${port}/proxy?sessionId=${session.id}&path=ws&token=${token}`,
    stop: async () => {
      child.kill('SIGKILL');
      client.destroy();
      await db.close();
    },
  };
}

/**
 * WebSocket echo through four paths to one echo app: direct; the Sessionplane router inside
 * npm start's process (with the API, the runtime and the embedded store); the router as its own
 * service; and configurable-http-proxy (JupyterHub's proxy, its own process).
 */
export async function benchRouter(): Promise<string> {
  const server = await startServer();
  const chpPort = await freePort();
  let chp: ReturnType<typeof spawn> | undefined;
  let standalone: Awaited<ReturnType<typeof startStandaloneRouter>> | undefined;
  try {
    const launched = (await (await server.api('/sessions', { method: 'POST', body: '{"app":"echo"}' })).json()) as { id: string; sessionURL: string };
    await waitFor(async () => ((await (await server.api(`/sessions/${launched.id}`)).json()) as { status: string }).status === 'READY', 15_000, 'READY');
    const echoPort = Number((await waitForText(join(server.dataDir, 'logs', `${launched.id}.log`), /App running at http:\/\/127\.0\.0\.1:(\d+)/))[1]);
    chp = spawn(
      process.execPath,
      [
        'node_modules/configurable-http-proxy/bin/configurable-http-proxy',
        '--ip',
        '127.0.0.1',
        '--port',
        String(chpPort),
        '--api-ip',
        '127.0.0.1',
        '--api-port',
        String(await freePort()),
        '--default-target',
        `http://127.0.0.1:${echoPort}`,
        '--log-level',
        'error',
      ],
      { stdio: 'ignore', env: { PATH: process.env.PATH, CONFIGPROXY_AUTH_TOKEN: 'bench' } },
    );
    await waitFor(async () => (await fetch(`http://127.0.0.1:${chpPort}/`).catch(() => undefined))?.ok, 15_000, 'chp up');

    standalone = await startStandaloneRouter(`127.0.0.1:${echoPort}`);

    const paths: [string, string][] = [
      ['direct', `ws://127.0.0.1:${echoPort}/ws`],
      ['Sessionplane router, in npm start', launched.sessionURL],
      ['Sessionplane router, own process', standalone.url],
      ['configurable-http-proxy 5.3.0', `ws://127.0.0.1:${chpPort}/ws`],
    ];
    // Two cores serve the client, the proxy and the app at once, so one pass is noisy: the paths
    // take turns over ROUNDS rounds and each figure is the median of its rounds.
    const ROUNDS = 5;
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
      '### Session router: WebSocket echo (20 connections × 2000 messages of 100 B; 100 messages of 1 MiB, 4 in flight; median of 5 interleaved rounds)',
      '',
      table(['path', 'RTT p50', 'RTT p99', 'messages/s', '1 MiB echo, MiB/s'], rows),
      '',
      table(
        ['overhead over direct', 'p50', 'p99'],
        rows.slice(1).map((r) => [r[0]!, over(r, 1), over(r, 2)]),
      ),
    ].join('\n');
  } finally {
    await standalone?.stop();
    chp?.kill('SIGTERM');
    await server.stop();
    rmSync(server.dataDir, { recursive: true, force: true });
  }
}
