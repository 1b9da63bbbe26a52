import { DOT_SEGMENT_DETAIL, hasDotSegment } from '../http/dot-segments';
import { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { ErrorCode } from '../../shared/domain/error-codes';
import { problemBody, problemOf } from '../http/problem';

/** The body: the same problem document the API writes (functions/http/problem.ts). */
function problem(status: number, code: ErrorCode, detail: string, instance: string): string {
  return problemBody(problemOf(code, detail, {}, status), instance);
}

/** A problem+json answer to an HTTP request. */
export function sendProblem(
  res: ServerResponse,
  status: number,
  code: ErrorCode,
  detail: string,
  instance: string,
): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = problem(status, code, detail, instance);
  res.writeHead(status, {
    'content-type': 'application/problem+json',
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
  });
  res.end(body);
}

/** The same answer to a WebSocket upgrade, written on the raw socket, which is then closed. */
export function refuseUpgrade(socket: Duplex, status: number, code: ErrorCode, detail: string, instance: string): void {
  if (socket.destroyed) return;
  const body = problem(status, code, detail, instance);
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\ncontent-type: application/problem+json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
  );
}

/**
 * Answers what Node's HTTP parser refuses before any handler runs (headers too large, a malformed
 * or smuggled request) in problem+json too, then closes the connection.
 */
export function answerClientError(error: NodeJS.ErrnoException, socket: Duplex): void {
  if (!socket.writable || (socket as { _httpMessage?: unknown })._httpMessage) {
    socket.destroy();
    return;
  }
  const tooLarge = error.code === 'HPE_HEADER_OVERFLOW';
  const status = tooLarge ? 431 : error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
  const code = tooLarge ? 'request.header_too_large' : 'request.malformed';
  refuseUpgrade(
    socket,
    status,
    code,
    tooLarge ? 'The request headers are too large.' : 'The request is not valid HTTP.',
    '/',
  );
}

/**
 * HTTP/1.1 requires Host (RFC 9112 §3.2). Node refuses its absence with a bare 400 of its own, so
 * servers turn that off (`requireHostHeader: false`) and call this instead: true when refused.
 */
export function refuseWithoutHost(req: IncomingMessage, res: ServerResponse): boolean {
  if (req.httpVersionMajor === 1 && req.httpVersionMinor >= 1 && !req.headers.host) {
    sendProblem(
      res,
      400,
      'request.malformed',
      'HTTP/1.1 requests need a Host header.',
      (req.url ?? '/').split('?')[0]!,
    );
    return true;
  }
  return false;
}

/** Refuses a request whose raw path has a dot segment (see functions/http/dot-segments.ts); true when it did. */
export function refuseDotSegments(req: IncomingMessage, res: ServerResponse): boolean {
  const url = req.url ?? '/';
  if (!hasDotSegment(url)) return false;
  sendProblem(res, 400, 'request.invalid', DOT_SEGMENT_DETAIL, url.split('?', 1)[0]!.slice(0, 256));
  return true;
}
