/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
import { type Context, Hono } from 'hono';
import { isLive } from '../../shared/domain/session';
import type { AppView } from '../api/views/app';
import type { SessionView } from '../api/views/session';
import { callApi } from './api-client';
import { CSRF_FIELD } from './cookie';
import { openUrl, type PortalDeps, type PortalKit } from './kit';
import { linkSettings, startedWith, withForward } from './app-link';
import { ConfirmLaunch } from './confirm-launch';

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

/**
 * `/apps/<app>/…`: the user's own session of the app, started on first visit (Clace's stable URL per user and app), or
 * as a link's settings say (#38: its params and profile, then the rest of its path and query handed to the app).
 */
// Over 60 lines: one route, the app's address (its middleware's reason below).
export function appAddressRoutes(deps: PortalDeps, kit: PortalKit): Hono {
  const app = new Hono();
  const { signedIn, page, toSignIn, failed } = kit;
  // Matched on the raw path, with its trailing slash (`/apps/<app>/icon` is the API's icon). It resolves to the user's
  // own live session of the app started as the link asks (never one shared with them), else starts one: at once when
  // this site asked and the link carries no settings; otherwise after a person confirms on a page that shows what will
  // start, whose button posts back with the CSRF token. Nothing billed starts from a foreign link.
  // Over 60 lines: the address's decision in its order (who, which app, what the link carries, a running one, confirm
  // or start); each step is a call.
  app.use('/apps/*', async (c, next) => {
    const url = new URL(c.req.url);
    const m = /^\/apps\/([A-Za-z0-9][A-Za-z0-9_.-]{0,63})\/(.*)$/.exec(url.pathname);
    if (!m || m[2] === 'icon' || (c.req.method !== 'GET' && c.req.method !== 'POST')) return next();
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
    const [catalog, mine] = await Promise.all([
      callApi<{ apps: AppView[] }>(deps.api, me, 'GET', '/apps'),
      callApi<{ sessions: SessionView[] }>(deps.api, me, 'GET', '/sessions?limit=100'),
    ]);
    if (!catalog.ok) return failed(c, me, catalog);
    if (!mine.ok) return failed(c, me, mine);
    const spec = catalog.data.apps.find((a) => a.name === name);
    if (!spec) return failed(c, me, { status: 404, data: { detail: `There is no app ${name} for you.` } }, name);
    const settings = linkSettings(spec, m[2]!, url.searchParams);
    const running = mine.data.sessions.find(
      (s) =>
        s.app === name &&
        s.owner === me.principal.user &&
        isLive(s.status) &&
        s.status !== 'STOPPING' &&
        startedWith(s, settings),
    );
    if (running) {
      const one = await callApi<SessionView>(deps.api, me, 'GET', `/sessions/${running.id}`);
      return one.ok ? c.redirect(withForward(openUrl(one.data), settings.forward), 303) : failed(c, me, one, name);
    }
    const confirm = c.req.method === 'GET' && (settings.carries || !fromThisSite(c));
    if (confirm || settings.problems.length)
      return page(
        c,
        <ConfirmLaunch
          app={spec}
          settings={settings}
          action={`${url.pathname}${url.search}`}
          fromElsewhere={!fromThisSite(c)}
          principal={me.principal}
          csrf={me.csrf}
        />,
      );
    // The router's holding page shows a starting session until it is ready, then the app.
    const started = await callApi<SessionView>(deps.api, me, 'POST', '/sessions', {
      app: name,
      ...(Object.keys(settings.params).length ? { params: settings.params } : {}),
      ...(settings.profile !== undefined ? { profile: settings.profile } : {}),
    });
    return started.ok
      ? c.redirect(withForward(openUrl(started.data), settings.forward), 303)
      : failed(c, me, started, name);
  });

  return app;
}
