import { proxy } from 'hono/proxy';
import type { Principal } from '../../shared/domain/principal';
import { PORTAL_COOKIE } from './cookie';

/** A signed-in browser: its principal, its cookie, that cookie's CSRF token, and (AWS) the bearer token it carries. */
export interface SignedIn {
  principal: Principal;
  cookie: string;
  csrf: string;
  token?: string | undefined;
}

/**
 * How the portal reaches the API, always as the signed-in user and never with more: the portal
 * is a client of the API, in one process (the API app itself, called in-process with the user's
 * cookie) and on AWS (the HTTP API at its URL, with the user's own ID token).
 */
export interface PortalApi {
  /** The API's origin (and stage path): what a path is appended to. */
  readonly base: string;
  /** Whether the API is elsewhere, so the portal forwards its script's API requests there. */
  readonly remote: boolean;
  /** The headers that make a request the user's. */
  credentials(me: SignedIn): Record<string, string>;
  /** The transport: fetch, or the in-process app's. */
  fetch(request: Request): Promise<Response>;
}

/** The API served by this same process: called in-process, authenticated by the user's portal cookie. */
export function inProcessApi(fetch: (request: Request) => Promise<Response>): PortalApi {
  return {
    base: 'http://api.internal',
    remote: false,
    credentials: (me) => ({ cookie: `${PORTAL_COOKIE}=${me.cookie}`, 'x-csrf-token': me.csrf }),
    fetch,
  };
}

/** The API at its URL (API Gateway on AWS), authenticated by the user's bearer token. */
export function remoteApi(url: string): PortalApi {
  return {
    base: url.replace(/\/+$/, ''),
    remote: true,
    credentials: (me): Record<string, string> => (me.token ? { authorization: `Bearer ${me.token}` } : {}),
    fetch: (request) => fetch(request),
  };
}

export interface ApiAnswer<T> {
  status: number;
  ok: boolean;
  data: T;
}

/** One API call as the user; a JSON answer parsed, anything else as text. */
export async function callApi<T>(
  api: PortalApi,
  me: SignedIn,
  method: string,
  path: string,
  body?: unknown,
): Promise<ApiAnswer<T>> {
  const res = await api.fetch(
    new Request(`${api.base}${path}`, {
      method,
      headers: {
        ...api.credentials(me),
        accept: 'application/json',
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    }),
  );
  const type = res.headers.get('content-type') ?? '';
  const data = (type.includes('json') ? await res.json() : await res.text()) as T;
  return { status: res.status, ok: res.ok, data };
}

/**
 * The browser's own API request (the portal script's), forwarded as the user: the cookie and any
 * Authorization the browser sent are replaced by the user's credentials; the answer comes back as
 * the API gave it, without cookies of its own.
 */
export async function forward(api: PortalApi, me: SignedIn, request: Request): Promise<Response> {
  const url = new URL(request.url);
  const res = await proxy(`${api.base}${url.pathname}${url.search}`, {
    raw: request,
    method: request.method,
    headers: {
      accept: request.headers.get('accept') ?? undefined,
      'content-type': request.headers.get('content-type') ?? undefined,
      'idempotency-key': request.headers.get('idempotency-key') ?? undefined,
      ...api.credentials(me),
    },
    customFetch: (r) => api.fetch(r),
  });
  res.headers.delete('set-cookie');
  return res;
}
