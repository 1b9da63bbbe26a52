import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import WebSocket, { WebSocketServer } from 'ws';
import { cpuMs, processMemory } from '../support/procs';
import { startStandaloneRouter } from './router';
import { quantile, table } from './stats';

/** Coder's scale test: each connection carries 40 KB/s. Here as a 4 KiB message every 100 ms, echoed back. */
const MESSAGE = 4096;
const EVERY_MS = 100;
const LOAD_SECONDS = 15;

function open(url: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

const rssMiB = (pid: number) => (processMemory(pid)?.rssKiB ?? 0) / 1024;

/**
 * The router as the Fargate service runs it (its own process), at scale (#40): its resident memory per idle socket,
 * and its CPU and memory with every socket carrying 40 KB/s each way, to a WebSocket echo app in this process. From
 * these, how many sockets one router task holds.
 */
export async function benchRouterScale(): Promise<string> {
  const echo = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate: false });
  await new Promise((resolve) => echo.once('listening', resolve));
  echo.on('connection', (ws) => ws.on('message', (data, binary) => ws.send(data, { binary })));
  const port = (echo.address() as AddressInfo).port;
  const router = await startStandaloneRouter(`127.0.0.1:${port}`);
  const sockets: WebSocket[] = [];
  try {
    await sleep(2000);
    const base = rssMiB(router.pid);
    const idle: string[][] = [];
    let previous = { n: 0, rss: base };
    for (const n of [250, 500, 1000, 2000]) {
      while (sockets.length < n) {
        const batch = await Promise.all(
          Array.from({ length: Math.min(50, n - sockets.length) }, () => open(router.url)),
        );
        sockets.push(...batch);
      }
      await sleep(3000);
      const rss = rssMiB(router.pid);
      idle.push([
        String(n),
        rss.toFixed(1),
        (((rss - base) * 1024) / n).toFixed(1),
        (((rss - previous.rss) * 1024) / (n - previous.n)).toFixed(1),
      ]);
      previous = { n, rss };
    }
    for (const ws of sockets.splice(0)) ws.close();
    await sleep(3000);

    const loaded: string[][] = [];
    const fit: { n: number; cpu: number }[] = [];
    for (const n of [100, 200, 400]) {
      const open_ = await Promise.all(Array.from({ length: n }, () => open(router.url)));
      const rtts: number[] = [];
      const payload = Buffer.alloc(MESSAGE, 7);
      let echoed = 0;
      for (const ws of open_)
        ws.on('message', (data: Buffer) => {
          echoed += data.length;
          rtts.push(performance.now() - data.readDoubleLE(0));
        });
      const cpu0 = cpuMs(router.pid);
      const t0 = performance.now();
      const timers = open_.map((ws, i) => {
        const send = () => {
          payload.writeDoubleLE(performance.now(), 0);
          ws.send(payload);
        };
        // Spread over the interval, as independent clients would be.
        return setTimeout(
          () => {
            send();
            timers[i] = setInterval(send, EVERY_MS) as unknown as NodeJS.Timeout;
          },
          (i * EVERY_MS) / n,
        );
      });
      await sleep(LOAD_SECONDS * 1000);
      for (const t of timers) clearInterval(t);
      const seconds = (performance.now() - t0) / 1000;
      const cpu = (cpuMs(router.pid) - cpu0) / 1000 / seconds;
      const rss = rssMiB(router.pid);
      fit.push({ n, cpu });
      rtts.sort((a, b) => a - b);
      loaded.push([
        String(n),
        ((echoed / seconds / 1e6) * 2).toFixed(1),
        `${(cpu * 100).toFixed(0)} %`,
        ((cpu / n) * 1000).toFixed(2),
        rss.toFixed(1),
        `${quantile(rtts, 0.5).toFixed(1)} / ${quantile(rtts, 0.99).toFixed(1)}`,
      ]);
      for (const ws of open_) ws.close();
      await sleep(2000);
    }
    // CPU = fixed + n × per socket, by least squares over the three loads.
    const mean = (f: (p: { n: number; cpu: number }) => number) => fit.reduce((a, p) => a + f(p), 0) / fit.length;
    const [mn, mc] = [mean((p) => p.n), mean((p) => p.cpu)];
    const perSocket = mean((p) => (p.n - mn) * (p.cpu - mc)) / mean((p) => (p.n - mn) ** 2);
    const fixed = mc - perSocket * mn;
    const kibPerIdle = Number(idle.at(-1)![3]);
    return [
      '### The router at scale (its own process, as the Fargate service runs it)',
      '',
      `Idle sockets (open, no traffic), the router's resident memory (it started at ${base.toFixed(1)} MiB):`,
      '',
      table(['sockets', 'RSS MiB', 'KiB per socket', 'KiB per socket added'], idle),
      '',
      `Every socket carrying 40 KB/s each way (a ${MESSAGE / 1024} KiB message every ${EVERY_MS} ms, echoed), ${LOAD_SECONDS} s; the load client and the echo app share this machine's two cores:`,
      '',
      table(
        [
          'sockets',
          'MB/s through (both ways)',
          "router's CPU (one core)",
          'CPU ms/s per socket',
          'RSS MiB',
          'RTT p50 / p99 ms',
        ],
        loaded,
      ),
      '',
      `The router's CPU is about ${(fixed * 100).toFixed(1)} % of a core plus ${(perSocket * 1000).toFixed(2)} ms a second per socket at 40 KB/s (least squares over these loads). So one router task as the stack runs it (0.5 vCPU, 1 GiB; it scales out at 60 % CPU) holds about ${Math.floor((0.5 * 0.6 - fixed) / perSocket)} such sockets before it scales, and its memory (at ${kibPerIdle} KiB a socket added) would hold over ${Math.floor((((1024 - 200) * 1024) / kibPerIdle / 1000) * 1000)} idle ones.`,
    ].join('\n');
  } finally {
    for (const ws of sockets) ws.terminate();
    await router.stop();
    await new Promise((r) => echo.close(r));
  }
}
