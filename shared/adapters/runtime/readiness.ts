import { request } from 'node:http';
import { connect } from 'node:net';
import type { Readiness } from '../../domain/app';

export function tcpAccepts(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return tcpLive(host, port, timeoutMs).then((answer) => answer.ok);
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
  // A job is ready once its command started: nothing listens.
  if (ready.kind === 'started') return Promise.resolve(true);
  if (ready.kind === 'http') return httpAnswers(host, port, ready.path);
  return tcpAccepts(host, port);
}

/** A liveness probe's answer: alive, or why not (the evidence a stop for unresponsiveness records). */
export type LivenessAnswer = { ok: true } | { ok: false; why: string };

/** Whether the port accepts a connection in the kernel: refused (nothing listens) or no answer is a miss. */
function tcpLive(host: string, port: number, timeoutMs: number): Promise<LivenessAnswer> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: timeoutMs });
    const done = (answer: LivenessAnswer) => {
      socket.destroy();
      resolve(answer);
    };
    socket.once('connect', () => done({ ok: true }));
    socket.once('timeout', () => done({ ok: false, why: `no connection within ${timeoutMs} ms` }));
    socket.once('error', (error: NodeJS.ErrnoException) =>
      done({ ok: false, why: error.code === 'ECONNREFUSED' ? 'connection refused' : (error.code ?? error.message) }),
    );
  });
}

/**
 * One liveness probe of a READY app (#35). `tcp`: its port accepts in the kernel, which a process
 * whose event loop is blocked still does (busy is not dead). `http`: its HTTP readiness check, or else
 * an HTTP answer of any status at `/`, within `timeoutMs` (a hung process fails it).
 */
export async function alive(
  probe: 'tcp' | 'http',
  ready: Readiness,
  host: string,
  port: number,
  timeoutMs: number,
): Promise<LivenessAnswer> {
  if (probe === 'tcp') return tcpLive(host, port, timeoutMs);
  const ok =
    ready.kind === 'http'
      ? await httpAnswers(host, port, ready.path, timeoutMs)
      : await httpAnswers(host, port, '/', timeoutMs, true);
  return ok ? { ok: true } : { ok: false, why: `no HTTP answer within ${timeoutMs} ms` };
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
