import WebSocket from 'ws';
import { quantile } from './stats';

function open(url: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { maxPayload: 64 * 1024 * 1024, perMessageDeflate: false });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

/** `connections` sockets, each sending `messages` small binary messages one after another. */
export async function echoLatency(url: string, connections: number, messages: number, size = 100) {
  const sockets = await Promise.all(Array.from({ length: connections }, () => open(url)));
  const payload = Buffer.alloc(size, 1);
  const rtts: number[] = [];
  const t0 = performance.now();
  await Promise.all(
    sockets.map(
      (ws) =>
        new Promise<void>((resolve) => {
          let sent = 0;
          let at = 0;
          const next = () => {
            if (sent === messages) return resolve();
            sent++;
            at = performance.now();
            ws.send(payload);
          };
          ws.on('message', () => {
            rtts.push(performance.now() - at);
            next();
          });
          next();
        }),
    ),
  );
  const seconds = (performance.now() - t0) / 1000;
  for (const ws of sockets) ws.close();
  return { p50: quantile(rtts, 0.5), p99: quantile(rtts, 0.99), perSecond: rtts.length / seconds };
}

/** One socket echoing `count` messages of `size` bytes, `window` in flight at a time. */
export async function echoThroughput(url: string, count: number, size: number, window = 4) {
  const ws = await open(url);
  const payload = Buffer.alloc(size, 2);
  const t0 = performance.now();
  await new Promise<void>((resolve) => {
    let sent = 0;
    let received = 0;
    ws.on('message', () => {
      received++;
      if (received === count) return resolve();
      if (sent < count) {
        sent++;
        ws.send(payload);
      }
    });
    for (; sent < Math.min(window, count); sent++) ws.send(payload);
  });
  const seconds = (performance.now() - t0) / 1000;
  ws.close();
  return { mibPerSecond: (count * size) / (1024 * 1024) / seconds };
}

/** `count` sockets opened at once: the time until the last has opened, and all are closed again. */
export async function handshakeBurst(url: string, count: number): Promise<number> {
  const t0 = performance.now();
  const sockets = await Promise.all(Array.from({ length: count }, () => open(url)));
  const took = performance.now() - t0;
  await Promise.all(
    sockets.map((ws) => {
      const closed = new Promise((r) => ws.once('close', r));
      ws.close();
      return closed;
    }),
  );
  return took;
}
