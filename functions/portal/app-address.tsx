/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
import { type Context, Hono } from 'hono';
import { isLive } from '../../shared/domain/session';
import type { SessionView } from '../api/views/session';
import { callApi } from './api-client';
import { CSRF_FIELD } from './cookie';
import { openUrl, type PortalDeps, type PortalKit } from './kit';
import { ConfirmLaunch } from './pages';

/**
 * Whether this site made the request: a browser says so (Sec-Fetch-Site `same-origin`, or `none` for
 * an address typed or a bookmark); a client that says nothing (curl) is no page, unless its Referer
 * names another origin.
 */
function fromThisSite(c: Context): boolean {
  const site = c.req.header('sec-fetch-site');
  if (site) return site === 'same-origin' || site === 'none';
  const referer = c.req.header('referer');
  if (!referer) return true;
  try {
    return new URL(referer).origin === new URL(c.req.url).origin;
  } catch {
    return false;
  }
}

/** `/apps/<app>/`: the user's own session of the app, started on first visit. */
export function appAddressRoutes(deps: PortalDeps, kit: PortalKit): Hono {
  const app = new Hono();
  const { signedIn, page, toSignIn, failed } = kit;
  // Clace's start-on-first-visit: a stable URL per user and app. Matched on the raw path (the API
  // answers /apps and /apps/{name}/icon), and only with its trailing slash. It resolves to the
  // user's own live session of the app (never one shared with them), else starts one, but only when
  // this site asked (a link followed here, an address typed): a page on another site gets a page
  // that asks, whose button posts back with the CSRF token. Nothing billed starts from a foreign link.
  app.use('/apps/*', async (c, next) => {
    const m = /^\/apps\/([A-Za-z0-9][A-Za-z0-9_.-]{0,63})\/$/.exec(new URL(c.req.url).pathname);
    if (!m || (c.req.method !== 'GET' && c.req.method !== 'POST')) return next();
    const me = await signedIn(c);
    if (!me) return c.req.method === 'GET' ? toSignIn(c) : c.text('Sign in first.', 401);
    const name = m[1]!;
    if (c.req.method === 'POST') {
      const form = await c.req.parseBody();
      if (!deps.portal.csrfMatches(me.cookie, typeof form[CSRF_FIELD] === 'string' ? form[CSRF_FIELD] : undefined))
        return failed(
          c,
          me,
          { status: 403, data: { detail: 'That form was not from this page: open the app again from your sessions.' } },
          name,
        );
    }
    const mine = await callApi<{ sessions: SessionView[] }>(deps.api, me, 'GET', '/sessions?limit=100');
    if (!mine.ok) return failed(c, me, mine);
    const running = mine.data.sessions.find(
      (s) => s.app === name && s.owner === me.principal.user && isLive(s.status) && s.status !== 'STOPPING',
    );
    if (running) {
      const one = await callApi<SessionView>(deps.api, me, 'GET', `/sessions/${running.id}`);
      return one.ok ? c.redirect(openUrl(one.data), 303) : failed(c, me, one, name);
    }
    if (c.req.method === 'GET' && !fromThisSite(c))
      return page(c, <ConfirmLaunch app={name} principal={me.principal} csrf={me.csrf} />);
    // The router's holding page shows a starting session until it is ready, then the app.
    const started = await callApi<SessionView>(deps.api, me, 'POST', '/sessions', { app: name });
    return started.ok ? c.redirect(openUrl(started.data), 303) : failed(c, me, started, name);
  });

  return app;
}
