import { request, type IncomingMessage, type ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import { sendProblem } from '../router/respond';

/** `/homes/me/files`, which the files service beside the router serves (AWS). */
export const FILES_ROUTE = /^\/homes\/me\/files(?:[/?]|$)/;

/** Hop-by-hop headers (RFC 9110 §7.6.1), never passed on. */
const HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade']);

/**
 * A caller's /homes/me/files request, passed to the files service as it came (its credential too: the service verifies
 * it), streamed both ways: a 2 GiB upload is never held here.
 */
export function relayFiles(service: string, req: IncomingMessage, res: ServerResponse): void {
  const target = new URL(req.url ?? '/', service);
  const headers = Object.fromEntries(Object.entries(req.headers).filter(([name]) => !HOP.has(name)));
  const upstream = request(target, { method: req.method, headers }, (answer) => {
    const back = Object.fromEntries(Object.entries(answer.headers).filter(([name]) => !HOP.has(name)));
    res.writeHead(answer.statusCode ?? 502, back);
    pipeline(answer, res).catch(() => res.destroy());
  });
  upstream.on('error', () => {
    if (res.headersSent) return void res.destroy();
    sendProblem(res, 502, 'files.unreachable', 'The files service did not answer: try again.', '/homes/me/files');
  });
  pipeline(req, upstream).catch(() => upstream.destroy());
}
