import type { IncomingMessage } from 'node:http';
import { parse as parseCookie, serialize as serializeCookie } from 'cookie';

/** The cookie that carries a session's token, scoped to that session's path. */
export const TOKEN_COOKIE = 'sessionplane_token';

/** The token a request presents: from the query, else from the session-scoped cookie. */
export function presentedToken(req: IncomingMessage, fromQuery: string | undefined): string | undefined {
  if (fromQuery) return fromQuery.toLowerCase();
  const header = req.headers.cookie;
  return header ? parseCookie(header)[TOKEN_COOKIE] : undefined;
}

export function tokenCookie(token: string, scope: string, options: { secure: boolean; maxAgeSeconds: number }): string {
  return serializeCookie(TOKEN_COOKIE, token, { path: scope, httpOnly: true, sameSite: 'lax', secure: options.secure, maxAge: Math.max(0, Math.floor(options.maxAgeSeconds)) });
}

/** Removes our cookie from what goes to the app, so an app never sees a session token. */
export function withoutTokenCookie(header: string | undefined): string | undefined {
  if (!header) return header;
  const kept = header.split(';').filter((part) => part.split('=', 1)[0]!.trim() !== TOKEN_COOKIE);
  return kept.length ? kept.join(';').trim() : undefined;
}

/** A browser navigation (not curl, not a page's fetch): the token moves into a cookie by redirect. */
export function isNavigation(req: IncomingMessage): boolean {
  if (req.method !== 'GET' && req.method !== 'HEAD') return false;
  const mode = req.headers['sec-fetch-mode'];
  if (mode) return mode === 'navigate';
  return (req.headers.accept ?? '').includes('text/html');
}
