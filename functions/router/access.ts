import type { IncomingMessage } from 'node:http';
import { parse as parseCookie, serialize as serializeCookie } from 'cookie';

/** The cookie that carries a session's token, scoped to that session's path. */
const TOKEN_COOKIE = 'sessionplane_token';

/** The token a request presents: from the query, else from the session-scoped cookie. */
export function presentedToken(req: IncomingMessage, fromQuery: string | undefined): string | undefined {
  if (fromQuery) return fromQuery.toLowerCase();
  const header = req.headers.cookie;
  return header ? parseCookie(header)[TOKEN_COOKIE] : undefined;
}

export function tokenCookie(token: string, scope: string, options: { secure: boolean; maxAgeSeconds: number }): string {
  return serializeCookie(TOKEN_COOKIE, token, {
    path: scope,
    httpOnly: true,
    sameSite: 'lax',
    secure: options.secure,
    maxAge: Math.max(0, Math.floor(options.maxAgeSeconds)),
  });
}

/** Removes our cookie from what goes to the app, so an app never sees a session token. */
/** Every cookie of ours is named so: the session's token, the portal's sign-in, a visitor's, the OIDC flow's. */
const OUR_COOKIES = 'sessionplane_';

/** The Cookie header without any of ours: in path mode the app shares the portal's origin, and would get them all. */
function withoutOurCookies(header: string | undefined): string | undefined {
  if (!header) return header;
  const kept = header.split(';').filter((part) => !part.split('=', 1)[0]!.trim().startsWith(OUR_COOKIES));
  return kept.length ? kept.join(';').trim() : undefined;
}

/** A browser navigation (not curl, not a page's fetch): the token moves into a cookie by redirect. */
export function isNavigation(req: IncomingMessage): boolean {
  if (req.method !== 'GET' && req.method !== 'HEAD') return false;
  const mode = req.headers['sec-fetch-mode'];
  if (mode) return mode === 'navigate';
  return (req.headers.accept ?? '').includes('text/html');
}

/** The paths a page of some session is served under, in path mode. */
const SESSION_PATH = /^\/(?:s|api)\/[0-9a-f]{32}\//i;

function refererPath(req: IncomingMessage): { origin: string; path: string } | undefined {
  const referer = req.headers.referer;
  if (!referer) return undefined;
  try {
    const url = new URL(referer);
    return { origin: url.origin, path: url.pathname };
  } catch {
    return undefined;
  }
}

export interface CookieContext {
  /** The path the session owns (path mode) or `/` on its own host. */
  scope: string;
  hostOnly: boolean;
  /** This request's own origin, e.g. `http://<id>.localhost:8080`. */
  origin: string;
  upgrade: boolean;
}

/**
 * Why a request that authenticates with the session's cookie (not a token in its URL) must be
 * refused because another page made it, or undefined. Browsers say who made a request (Fetch
 * Metadata: Sec-Fetch-Site, Sec-Fetch-Mode); clients that send none (curl, old browsers) are not
 * pages and pass.
 *
 * - On its own host, a session accepts cookie requests from its own origin, and top-level
 *   navigations from anywhere (a link); a WebSocket's Origin must be its own (`*.localhost` and a
 *   session domain's hosts are one site, so SameSite alone would let a sibling session in).
 * - In path mode every session shares one origin, so a same-origin request must come from a page of
 *   this session: its Referer must be under the session's path. WebSocket handshakes carry no
 *   Referer, so a cookie alone cannot open one: it needs its token in its URL.
 */
export function crossPageRefusal(req: IncomingMessage, ctx: CookieContext): string | undefined {
  const site = req.headers['sec-fetch-site'];
  const mode = req.headers['sec-fetch-mode'];
  const origin = req.headers.origin;
  const topLevel =
    mode === 'navigate' &&
    req.headers['sec-fetch-dest'] === 'document' &&
    (req.method === 'GET' || req.method === 'HEAD');
  if (ctx.hostOnly) {
    if (ctx.upgrade)
      return origin && origin !== ctx.origin
        ? 'a WebSocket from another origin needs the session token in its URL'
        : undefined;
    if (site === undefined || site === 'same-origin' || site === 'none' || topLevel) return undefined;
    return 'a request another site made needs the session token in its URL';
  }
  if (ctx.upgrade)
    return site !== undefined || origin ? 'in path mode a WebSocket needs the session token in its URL' : undefined;
  if (site === undefined || site === 'none') return undefined;
  const from = refererPath(req);
  if (from && from.origin === ctx.origin && from.path.toLowerCase().startsWith(ctx.scope)) return undefined;
  // A link from a page that is no session's (the portal, a bookmark page) may open the session.
  if (topLevel && from && (from.origin !== ctx.origin || !SESSION_PATH.test(from.path))) return undefined;
  return "a request from a page outside this session's path needs the session token in its URL";
}

/** The headers the app receives: never the caller's API credential, any cookie of ours, or another session's path. */
export function scrubForApp(req: IncomingMessage, ctx: { scope: string; origin: string }): void {
  delete req.headers.authorization;
  const cookie = withoutOurCookies(req.headers.cookie);
  if (cookie) req.headers.cookie = cookie;
  else delete req.headers.cookie;
  const from = refererPath(req);
  if (req.headers.referer && !(from && from.origin === ctx.origin && from.path.toLowerCase().startsWith(ctx.scope)))
    delete req.headers.referer;
}

/** Isolation headers on every session response (frame-ancestors adds to, never replaces, the app's CSP). */
export function isolationHeaders(headers: Record<string, string | string[] | undefined>, frameAncestors: string): void {
  headers['referrer-policy'] = 'same-origin';
  headers['cross-origin-opener-policy'] = 'same-origin';
  headers['x-content-type-options'] ??= 'nosniff';
  if (frameAncestors === "'self'") headers['x-frame-options'] ??= 'SAMEORIGIN';
  else if (frameAncestors === "'none'") headers['x-frame-options'] = 'DENY';
  const csp = headers['content-security-policy'];
  const ours = `frame-ancestors ${frameAncestors}`;
  headers['content-security-policy'] = csp === undefined ? ours : [...(Array.isArray(csp) ? csp : [csp]), ours];
}
