import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { createDocumentClient } from '../../shared/adapters/dynamodb/dynamodb-client';
import { DynamoDbSessionStore } from '../../shared/adapters/dynamodb/dynamodb-session-store';
import { ensureSessionsTable } from '../../shared/adapters/dynamodb/dynamodb-table';
import { startEmbeddedDynamoDb } from '../../shared/adapters/dynamodb/embedded-dynamodb';
import { hashToken, newToken } from '../../shared/domain/ids';
import { makeSession } from '../support/sessions';
import { spawnRouter } from '../support/router-process';
import { startServer } from '../support/server';
import { freePort } from '../support/dynamodb-local';
import { waitFor, waitForText } from '../support/wait';
import { ms, quantile, table } from './stats';
import { startNginx, nginxVersion } from './nginx';
import { echoLatency, echoThroughput, handshakeBurst } from './ws-load';

/**
 * The router as the Fargate service runs it (functions/aws/router-service.ts, its own process), reading
 * a session record that points at `endpoint` from a dynalite in this process.
 */
export async function startStandaloneRouter(
  endpoint: string,
): Promise<{ url: string; pid: number; stop(): Promise<void> }> {
  const db = await startEmbeddedDynamoDb();
  const client = createDocumentClient({ endpoint: db.endpoint, region: 'local' });
  await ensureSessionsTable(client, 'sessions');
  const token = newToken();
  const session = makeSession({
    status: 'READY',
    tokenHash: hashToken(token),
    runtime: { kind: 'bench', runtimeId: 'bench', endpoint },
  });
  await new DynamoDbSessionStore(client, 'sessions').create(session);
  const { child, base } = await spawnRouter(db.endpoint, {
    SESSIONPLANE_PUBLIC_URL: 'http://127.0.0.1',
    SESSIONPLANE_LOG_LEVEL: 'warn',
  });
  return {
    url: `${base.replace('http', 'ws')}/proxy?sessionId=${session.id}&path=ws&token=${token}`,
    pid: child.pid!,
    stop: async () => {
      child.kill('SIGKILL');
      client.destroy();
      await db.close();
    },
  };
}

/**
 * WebSocket echo through the paths to one echo app: direct; the Sessionplane router inside
 * npm start's process (with the API, the runtime and the embedded store); the router as its own
 * service; configurable-http-proxy (JupyterHub's proxy, its own process); and nginx where installed.
 */
export async function benchRouter(): Promise<string> {
  const server = await startServer();
  const chpPort = await freePort();
  let chp: ReturnType<typeof spawn> | undefined;
  let standalone: Awaited<ReturnType<typeof startStandaloneRouter>> | undefined;
  let nginx: Awaited<ReturnType<typeof startNginx>> | undefined;
  try {
    const launched = (await (await server.api('/sessions', { method: 'POST', body: '{"app":"echo"}' })).json()) as {
      id: string;
      sessionURL: string;
    };
    await waitFor(
      async () =>
        ((await (await server.api(`/sessions/${launched.id}`)).json()) as { status: string }).status === 'READY',
      15_000,
      'READY',
    );
    const echoPort = Number(
      (
        await waitForText(
          join(server.dataDir, 'logs', `${launched.id}.log`),
          /App running at http:\/\/127\.0\.0\.1:(\d+)/,
        )
      )[1],
    );
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
    await waitFor(
      async () => (await fetch(`http://127.0.0.1:${chpPort}/`).catch(() => undefined))?.ok,
      15_000,
      'chp up',
    );

    standalone = await startStandaloneRouter(`127.0.0.1:${echoPort}`);
    nginx = await startNginx(`127.0.0.1:${echoPort}`);

    const peers: [string, string][] = [
      ['configurable-http-proxy 5.3.0', `ws://127.0.0.1:${chpPort}/ws`],
      ...(nginx ? ([[`nginx ${nginxVersion}`, `ws://127.0.0.1:${nginx.port}/ws`]] as [string, string][]) : []),
    ];
    const paths: [string, string][] = [
      ['direct', `ws://127.0.0.1:${echoPort}/ws`],
      ['Sessionplane router, in npm start', launched.sessionURL],
      ['Sessionplane router, own process', standalone.url],
      ...peers,
    ];
    // Two cores serve the client, the proxy and the app at once, so one pass is noisy: the paths
    // take turns over ROUNDS rounds and each figure is the median of its rounds.
    const ROUNDS = 5;
    const samples = paths.map(() => ({
      one: [] as number[],
      p50: [] as number[],
      p99: [] as number[],
      rate: [] as number[],
      mib: [] as number[],
      burst: [] as number[],
    }));
    for (const [, url] of paths) {
      await echoLatency(url, 20, 200); // warm-up
      await echoThroughput(url, 8, 1024 * 1024);
      await handshakeBurst(url, 20);
    }
    for (let round = 0; round < ROUNDS; round++) {
      for (const [i, [, url]] of paths.entries()) {
        const s = samples[i]!;
        s.one.push((await echoLatency(url, 1, 2000)).p50);
        const lat = await echoLatency(url, 20, 2000);
        s.p50.push(lat.p50);
        s.p99.push(lat.p99);
        s.rate.push(lat.perSecond);
        s.mib.push((await echoThroughput(url, 100, 1024 * 1024)).mibPerSecond);
        s.burst.push(await handshakeBurst(url, 20));
      }
    }
    const med = (xs: number[]) => quantile(xs, 0.5);
    const m = samples.map((s) => ({
      one: med(s.one),
      p50: med(s.p50),
      p99: med(s.p99),
      rate: med(s.rate),
      mib: med(s.mib),
      burst: med(s.burst),
    }));
    const direct = m[0]!;
    const peerFigures = m.slice(3);
    const bestPeer = {
      one: Math.min(...peerFigures.map((f) => f.one - direct.one)),
      mib: Math.max(...peerFigures.map((f) => f.mib)),
      burst: Math.min(...peerFigures.map((f) => f.burst)),
    };
    const rows: (string | number)[][] = paths.map(([name], i) => {
      const f = m[i]!;
      return [
        name,
        ms(f.one, 3),
        i ? `+${ms(f.one - direct.one, 3)}` : '',
        ms(f.p50, 3),
        ms(f.p99, 3),
        f.rate.toFixed(0),
        f.mib.toFixed(0),
        ms(f.burst),
      ];
    });
    const ratio = (i: number) => {
      const f = m[i]!;
      return [
        paths[i]![0],
        `${((f.one - direct.one) / bestPeer.one).toFixed(2)}×`,
        `${(f.mib / bestPeer.mib).toFixed(2)}× (${((f.mib / direct.mib) * 100).toFixed(0)} % of direct)`,
        `${(f.burst / bestPeer.burst).toFixed(2)}×`,
      ];
    };
    return [
      `### Session router: WebSocket echo (1 connection × 2000 messages of 100 B; 20 connections × 2000; 100 messages of 1 MiB, 4 in flight; 20 handshakes at once; median of ${ROUNDS} interleaved rounds)`,
      '',
      table(
        [
          'path',
          'RTT p50, 1 conn',
          'overhead',
          'RTT p50, 20 conns',
          'RTT p99, 20 conns',
          'messages/s',
          '1 MiB echo, MiB/s',
          'burst of 20 handshakes',
        ],
        rows,
      ),
      '',
      `Ratios to the best peer in the same rounds (${peers.map((p) => p[0]).join(', ')}); below 1× is better for overhead and handshakes, above 1× for throughput:`,
      '',
      table(['path', '1-conn RTT overhead', '1 MiB throughput', 'handshake burst'], [ratio(1), ratio(2)]),
    ].join('\n');
  } finally {
    await standalone?.stop();
    await nginx?.stop();
    chp?.kill('SIGTERM');
    await server.stop();
    rmSync(server.dataDir, { recursive: true, force: true });
  }
}
