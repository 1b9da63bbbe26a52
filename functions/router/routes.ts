/**
 * The router's routes, as the trame image's Apache serves them, plus `/s/<id>/`:
 *
 *   /proxy?sessionId=<id>&path=<p>  → ws://<endpoint>/<p>  (query keys and id in any letter case)
 *   /api/<id>/<rest>                → http://<endpoint>/<rest>
 *   /s/<id>/<rest>                  → the app, with or without the /s/<id> prefix (per app)
 */
export type Route =
  | {
      /** `host`: any path on the session's own host, passed as it is. */
      kind: 'proxy' | 'api' | 'app' | 'host';
      sessionId: string;
      /** path + query for the app, without `token` */
      upstream: string;
      /** The path the session owns (its cookie's path, and the pages that may use it in path mode). */
      scope: string;
      token: string | undefined;
      /** Served on the session's own host: its cookie is host-only, its origin its own. */
      hostOnly?: boolean;
    }
  | { kind: 'add-slash'; location: string }
  | { kind: 'bad'; detail: string };

const ID = /^[0-9a-fA-F]{32}$/;
const TOKEN_KEY = 'token';

/** The query without our `token` (any letter case), as a string with its `?`, or ''. */
function queryWithout(search: URLSearchParams, drop: (key: string) => boolean): string {
  const kept = [...search].filter(([k]) => !drop(k.toLowerCase()));
  return kept.length ? `?${new URLSearchParams(kept).toString()}` : '';
}

function tokenOf(search: URLSearchParams): string | undefined {
  for (const [k, v] of search) if (k.toLowerCase() === TOKEN_KEY) return v;
  return undefined;
}

/** Parses a request target; undefined when it is not a router route (the API's, then). */
export function parseRoute(rawUrl: string): Route | undefined {
  const q = rawUrl.indexOf('?');
  const path = q < 0 ? rawUrl : rawUrl.slice(0, q);
  const search = new URLSearchParams(q < 0 ? '' : rawUrl.slice(q + 1));

  if (path === '/proxy' || path === '/proxy/') {
    let id: string | undefined;
    let target: string | undefined;
    for (const [k, v] of search) {
      const key = k.toLowerCase();
      if (key === 'sessionid') id = v;
      else if (key === 'path') target = v;
    }
    if (!id || !ID.test(id)) return { kind: 'bad', detail: 'sessionId is missing or not a session id.' };
    const upstreamPath = `/${(target ?? '').replace(/^\/+/, '')}`;
    // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
    if (/[\s\u0000-\u001f\u007f#?]/.test(upstreamPath)) return { kind: 'bad', detail: 'path is not a valid path.' };
    return {
      kind: 'proxy',
      sessionId: id.toLowerCase(),
      upstream: upstreamPath,
      scope: '/proxy',
      token: tokenOf(search),
    };
  }

  const m = /^\/(api|s)\/([^/]+)(\/.*)?$/.exec(path);
  if (!m) return undefined;
  const [, prefix, id, rest] = m as unknown as [string, 'api' | 's', string, string | undefined];
  if (!ID.test(id)) return { kind: 'bad', detail: 'Not a session id.' };
  const sessionId = id.toLowerCase();
  if (rest === undefined) return { kind: 'add-slash', location: `/${prefix}/${id}/${q < 0 ? '' : rawUrl.slice(q)}` };
  return {
    kind: prefix === 'api' ? 'api' : 'app',
    sessionId,
    upstream: `${rest}${queryWithout(search, (k) => k === TOKEN_KEY)}`,
    scope: `/${prefix}/${sessionId}/`,
    token: tokenOf(search),
  };
}

/**
 * A request to a session's own host (`<id>.<domain>`, any port): every path is the session's. A
 * path under `/s/<id>/` of that same id keeps the prefix rules of the path form; others go as they are.
 */
export function parseHostRoute(
  host: string | undefined,
  sessionDomain: string | undefined,
  rawUrl: string,
): Route | undefined {
  if (!host || !sessionDomain) return undefined;
  const name = host.toLowerCase().replace(/:\d+$/, '');
  if (!name.endsWith(`.${sessionDomain}`)) return undefined;
  const id = name.slice(0, -sessionDomain.length - 1);
  if (!ID.test(id)) return { kind: 'bad', detail: 'Not a session host.' };
  const q = rawUrl.indexOf('?');
  const path = q < 0 ? rawUrl : rawUrl.slice(0, q);
  const search = new URLSearchParams(q < 0 ? '' : rawUrl.slice(q + 1));
  const prefix = `/s/${id}/`;
  const underPrefix = path.toLowerCase().startsWith(prefix);
  return {
    kind: underPrefix ? 'app' : 'host',
    sessionId: id,
    upstream: `${underPrefix ? path.slice(prefix.length - 1) : path}${queryWithout(search, (k) => k === TOKEN_KEY)}`,
    scope: underPrefix ? prefix : '/',
    token: tokenOf(search),
    hostOnly: true,
  };
}
