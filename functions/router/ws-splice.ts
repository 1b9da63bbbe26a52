import type { IncomingMessage } from 'node:http';
import { connect, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { TLSSocket } from 'node:tls';

/** The app's answer to the upgrade may not be longer than this before its blank line. */
const MAX_RESPONSE_HEAD = 16 * 1024;
const HEAD_END = Buffer.from('\r\n\r\n');

export interface SpliceHooks {
  /** The app answered 101: its head has gone to the client; `rest` is what followed it (frames). */
  upgraded(backend: Socket, rest: Buffer): void;
  /** The app could not be reached, or answered nonsense, before any byte went to the client. */
  failed(error: Error): void;
}

/**
 * The upgrade request as the app receives it: the (already scrubbed) request line and headers,
 * and X-Forwarded-For/Port/Proto appended as http-proxy's `xfwd` appends them. Node's parser has
 * refused any header with CR or LF, so the values are written as they were received.
 */
function upgradeRequestHead(req: IncomingMessage): string {
  const encrypted = req.socket instanceof TLSSocket && req.socket.encrypted;
  const port = /:(\d+)$/.exec(req.headers.host ?? '')?.[1] ?? (encrypted ? '443' : '80');
  const forwarded = { for: req.socket.remoteAddress ?? '', port, proto: encrypted ? 'wss' : 'ws' };
  const headers = { ...req.headers };
  for (const [name, value] of Object.entries(forwarded)) {
    const key = `x-forwarded-${name}`;
    headers[key] = headers[key] ? `${headers[key]},${value}` : value;
  }
  let head = `GET ${req.url ?? '/'} HTTP/1.1\r\n`;
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || name === 'trailer') continue;
    for (const one of Array.isArray(value) ? value : [value]) head += `${name}: ${one}\r\n`;
  }
  return `${head}\r\n`;
}

/**
 * Carries an authorized WebSocket upgrade to the app over a TCP connection of its own: writes the
 * upgrade request, reads the app's answer, and on 101 hands both sockets over (WsConnection pipes
 * them). Any other answer is relayed as the app gave it and the client's socket ends with it.
 *
 * Why not http-proxy-3 here (it still proxies HTTP): its WebSocket path builds a ClientRequest,
 * lets Node's HTTP parser read the 101, and serializes the head again, per handshake; splicing
 * the bytes once authorized is what nginx does, and measured 2–3× faster on a burst of handshakes
 * (README, Benchmarks). Nothing here decides who may connect: `authorize` has before this runs.
 */
export function spliceUpgrade(
  req: IncomingMessage,
  client: Duplex,
  head: Buffer,
  endpoint: string,
  hooks: SpliceHooks,
): void {
  const colon = endpoint.lastIndexOf(':');
  const backend = connect({
    host: endpoint.slice(0, colon).replace(/^\[|\]$/g, ''),
    port: Number(endpoint.slice(colon + 1)),
    noDelay: true,
  });
  (client as Partial<Socket>).setNoDelay?.(true);
  let settled = false;
  const chunks: Buffer[] = [];
  let seen = 0;
  const giveUp = () => {
    if (!settled) backend.destroy();
  };
  client.once('close', giveUp);
  const fail = (error: Error) => {
    if (settled) return;
    settled = true;
    client.off('close', giveUp);
    backend.destroy();
    hooks.failed(error);
  };
  backend.once('error', fail);
  backend.once('close', () => fail(new Error('the app closed the connection before answering the upgrade')));
  backend.once('connect', () => {
    backend.write(upgradeRequestHead(req));
    if (head.length) backend.write(head);
  });
  const onHead = (chunk: Buffer) => {
    chunks.push(chunk);
    seen += chunk.length;
    const all = chunks.length === 1 ? chunk : Buffer.concat(chunks);
    const end = all.indexOf(HEAD_END, Math.max(0, seen - chunk.length - 3));
    if (end < 0) {
      if (seen > MAX_RESPONSE_HEAD) fail(new Error('the app answered the upgrade with an oversized head'));
      return;
    }
    const status = /^HTTP\/1\.[01] (\d{3})/.exec(all.toString('latin1', 0, Math.min(end, 32)))?.[1];
    if (!status) return fail(new Error('the app answered the upgrade with something that is not HTTP'));
    settled = true;
    backend.off('data', onHead);
    backend.removeAllListeners('error').removeAllListeners('close');
    client.off('close', giveUp);
    const bodyAt = end + HEAD_END.length;
    if (status === '101') {
      client.write(all.subarray(0, bodyAt));
      hooks.upgraded(backend, all.subarray(bodyAt));
      return;
    }
    relayRefusal(all, bodyAt, backend, client);
  };
  backend.on('data', onHead);
}

/**
 * The app refused the upgrade: its answer goes to the client as it is (its body by Content-Length, else until it ends),
 * then both close.
 */
function relayRefusal(all: Buffer, bodyAt: number, backend: Socket, client: Duplex): void {
  backend.on('error', () => backend.destroy());
  client.once('close', () => backend.destroy());
  const length = /\r\ncontent-length:\s*(\d+)/i.exec(all.toString('latin1', 0, bodyAt))?.[1];
  let left = length === undefined ? Number.POSITIVE_INFINITY : Number(length);
  const forward = (bytes: Buffer) => {
    const take = bytes.subarray(0, Math.min(bytes.length, left));
    left -= take.length;
    client.write(take);
    if (left <= 0) {
      client.end();
      backend.destroy();
    }
  };
  client.write(all.subarray(0, bodyAt));
  forward(all.subarray(bodyAt));
  if (left > 0) {
    backend.on('data', forward);
    backend.once('end', () => client.end());
  }
}
