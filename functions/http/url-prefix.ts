import type { IncomingMessage } from 'node:http';

/**
 * Serves everything under `TRAME_URL_PREFIX` as the trame image does (#35): a request for
 * `<prefix>/proxy?…`, `<prefix>/paraview/`, `<prefix>/s/<id>/…` or any page is handled as the same
 * path without the prefix (which also still answers). Returns the request, its URL rewritten.
 */
export function withoutUrlPrefix(req: IncomingMessage, prefix: string | undefined): IncomingMessage {
  const p = (prefix ?? '').replace(/\/+$/, '');
  const url = req.url ?? '/';
  if (!p || !(url === p || url.startsWith(`${p}/`) || url.startsWith(`${p}?`))) return req;
  const rest = url.slice(p.length);
  req.url = rest.startsWith('/') ? rest : `/${rest}`;
  stripped.set(req, p);
  return req;
}

const stripped = new WeakMap<IncomingMessage, string>();

/**
 * The prefix this request came under ('' when it came without): what our own redirects, links and cookie paths put
 * back, so that a browser under the prefix stays under it (behind a proxy that forwards only the prefix).
 */
export function strippedPrefix(req: IncomingMessage | undefined): string {
  return (req && stripped.get(req)) ?? '';
}

/** A path of ours (`/…`, not `//…`) under the prefix. */
export const underPrefix = (prefix: string, path: string): string =>
  prefix && path.startsWith('/') && !path.startsWith('//') ? `${prefix}${path}` : path;
