import type { IncomingMessage } from 'node:http';
import type { MiddlewareHandler } from 'hono';
import { strippedPrefix, underPrefix } from '../http/url-prefix';

/** The attributes of the portal's pages that hold a path of ours. */
const PATH_ATTRIBUTES = /\b(href|src|action|data-events|data-refresh)="\/(?!\/)/g;

/**
 * Under TRAME_URL_PREFIX, the portal's own redirects, links, script requests and cookie paths stay under the prefix a
 * request came under (a proxy in front may forward only the prefix). The pages are written with root paths, and put
 * under the prefix here, in one place.
 */
export const keepPrefix: MiddlewareHandler = async (c, next) => {
  await next();
  const prefix = strippedPrefix((c.env as { incoming?: IncomingMessage } | undefined)?.incoming);
  if (!prefix) return;
  const headers = new Headers(c.res.headers);
  const location = headers.get('location');
  if (location) headers.set('location', underPrefix(prefix, location));
  const cookies = headers.getSetCookie();
  headers.delete('set-cookie');
  for (const cookie of cookies)
    headers.append('set-cookie', cookie.replace(/;\s*Path=(\/[^;]+)/i, `; Path=${prefix}$1`));
  const html = headers.get('content-type')?.startsWith('text/html');
  const body = html ? (await c.res.text()).replace(PATH_ATTRIBUTES, `$1="${prefix}/`) : c.res.body;
  const { status } = c.res;
  c.res = undefined;
  c.res = new Response(body, { status, headers });
};
