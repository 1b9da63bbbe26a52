import { request } from 'node:http';
import { connect } from 'node:net';
import type { Readiness } from '../../domain/app';

export function tcpAccepts(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: timeoutMs });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.once('connect', () => done(true));
    socket.once('timeout', () => done(false));
    socket.once('error', () => done(false));
  });
}

/**
 * True only when the port is known closed: the connection was refused (a process that died has
 * closed its port at once). A timeout on a busy machine says nothing, and counts as open.
 */
export function portRefuses(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: timeoutMs });
    const done = (refused: boolean) => {
      socket.destroy();
      resolve(refused);
    };
    socket.once('connect', () => done(false));
    socket.once('timeout', () => done(false));
    socket.once('error', (error: NodeJS.ErrnoException) => done(error.code === 'ECONNREFUSED'));
  });
}

/** True when GET path answers 2xx or 3xx (or, with `anyStatus`, anything at all). */
function httpAnswers(host: string, port: number, path: string, timeoutMs = 2000, anyStatus = false): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request(
      { host, port, path, method: 'GET', timeout: timeoutMs, headers: { 'user-agent': 'sessionplane-probe' } },
      (res) => {
        res.resume();
        resolve(anyStatus || (res.statusCode ?? 500) < 400);
      },
    );
    req.once('timeout', () => req.destroy());
    req.once('error', () => resolve(false));
    req.end();
  });
}

/** One probe of a TCP or HTTP readiness check (ready lines are watched on the output instead). */
export function probe(ready: Readiness, host: string, port: number): Promise<boolean> {
  if (ready.kind === 'http') return httpAnswers(host, port, ready.path);
  return tcpAccepts(host, port);
}

/**
 * One liveness probe of a READY app: its HTTP readiness check, or else an HTTP answer of any status
 * at `/` (every session app is a web app). A TCP accept alone would not do: the kernel accepts for
 * a process that is hung.
 */
export function alive(ready: Readiness, host: string, port: number, timeoutMs: number): Promise<boolean> {
  return ready.kind === 'http'
    ? httpAnswers(host, port, ready.path, timeoutMs)
    : httpAnswers(host, port, '/', timeoutMs, true);
}

/**
 * Watches a stream of output chunks for a line containing `needle`, across chunk boundaries.
 * Returns a feed function; `onMatch` runs once.
 */
export function lineWatcher(needle: string, onMatch: () => void): (chunk: Buffer) => void {
  let tail = '';
  let matched = false;
  return (chunk) => {
    if (matched) return;
    const text = tail + chunk.toString('utf8');
    if (text.includes(needle)) {
      matched = true;
      onMatch();
      return;
    }
    // Keep what could be the start of a match that the next chunk completes.
    tail = text.slice(-needle.length);
  };
}
