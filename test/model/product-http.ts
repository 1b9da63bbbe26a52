import type { ModelUser } from './local-product';

/* The HTTP both products answer the model's commands through (no import of the model: the products load first). */

/** A request as `who` with their bearer token (none for anonymous), remembering any 5xx (but a 503 it allows). */
export async function callRemembering(
  base: string,
  token: string | undefined,
  who: ModelUser | null,
  path: string,
  init: RequestInit & { form?: boolean; allow503?: boolean },
  serverErrors: string[],
): Promise<Response> {
  const headers = new Headers(init.headers);
  if (token) headers.set('authorization', `Bearer ${token}`);
  if (init.body) headers.set('content-type', init.form ? 'application/x-www-form-urlencoded' : 'application/json');
  const res = await fetch(`${base}${path}`, { ...init, headers, redirect: 'manual' });
  if (res.status >= 500 && !(init.allow503 && res.status === 503))
    serverErrors.push(`${init.method ?? 'GET'} ${path} as ${who}: ${res.status} ${await res.clone().text()}`);
  return res;
}

/** Fetches a URL the product handed out (a connectURL), remembering any 5xx but the router's 503 (not ready). */
export async function openRemembering(url: string, serverErrors: string[]): Promise<Response> {
  const res = await fetch(url, { redirect: 'manual' });
  if (res.status >= 500 && res.status !== 503)
    serverErrors.push(`open ${url.replace(/token=[^&]+/, 'token=…')}: ${res.status}`);
  return res;
}
