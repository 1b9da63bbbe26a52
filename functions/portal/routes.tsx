import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Hono, type Context } from 'hono';
import { getCookie } from 'hono/cookie';
import { csrf } from 'hono/csrf';
import type { Principal } from '../../shared/domain/principal';
import { isLive, type Session } from '../../shared/domain/session';
import { connectUrl } from '../../shared/domain/urls';
import { sessionCredentials } from '../../shared/services/credentials';
import { launchSession } from '../../shared/services/launch';
import { poolViews } from '../../shared/services/pool-admin';
import type { ApiDeps } from '../api/context';
import { CSRF_FIELD, PORTAL_COOKIE, type PortalSessions } from './cookie';
import type { OidcFlow, OidcSignIn } from './oidc';
import { Catalog, Layout, SignInPage } from './pages';
import { PoolTable, SessionList } from './session-cards';

const FLOW_COOKIE = 'sessionplane_oidc';

/** Beside this module, or (in the server bundle `npm start` builds) in the checkout it runs from. */
const ASSETS =
  [join(dirname(fileURLToPath(import.meta.url)), 'assets'), resolve('functions/portal/assets')].find((dir) => existsSync(dir)) ?? 'functions/portal/assets';

/** No inline script or style anywhere: what runs is /portal.js, what styles is /portal.css. */
const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "object-src 'none'",
].join('; ');

export interface PortalDeps extends ApiDeps {
  portal: PortalSessions;
  /** Sign-in through an OIDC issuer (code + PKCE), where one is configured with a client id. */
  oidc?: OidcSignIn | undefined;
  /** The principal a sign-in token names (the tokens file's users, the local admin). */
  signIn(token: string): Principal | undefined;
}

/** A `next` that stays on this site: a path, never `//host` or a scheme. */
function safeNext(next: unknown): string {
  return typeof next === 'string' && /^\/(?![/\\])[^\s]*$/.test(next) ? next : '/';
}

/**
 * The portal, served by the long-lived process beside the API and the router: sign-in, the
 * catalog with a launch form per app, the user's sessions as cards (live progress while one
 * starts), a stable URL per user and app (`/apps/<app>/`), and the admins' view. Server-rendered
 * (hono JSX); /portal.js only enhances (forms, progress, actions), through the same API.
 */
export function portalRoutes(deps: PortalDeps): Hono {
  const app = new Hono();
  const css = readFileSync(join(ASSETS, 'portal.css'), 'utf8');
  const js = readFileSync(join(ASSETS, 'portal.js'), 'utf8');
  app.get('/portal.css', (c) => c.body(css, 200, { 'content-type': 'text/css; charset=utf-8', 'cache-control': 'no-cache' }));
  app.get('/portal.js', (c) => c.body(js, 200, { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'no-cache' }));

  const signedIn = (c: Context) => {
    const value = getCookie(c, PORTAL_COOKIE);
    const principal = deps.portal.read(value);
    return principal && value ? { principal, csrf: deps.portal.csrfOf(value) } : undefined;
  };
  const page = (c: Context, html: unknown, status = 200) => {
    c.header('content-security-policy', CSP);
    c.header('x-content-type-options', 'nosniff');
    // same-origin: the router lets a top-level link from a page that is no session's (this one) open a session.
    c.header('referrer-policy', 'same-origin');
    c.header('cache-control', 'no-store');
    return c.html(html as string, status as 200);
  };
  const toSignIn = (c: Context) => c.redirect(`/sign-in?next=${encodeURIComponent(new URL(c.req.url).pathname)}`, 303);

  /** The owner's cards: live sessions first, then the most recent ended ones. */
  const cardsOf = async (owner: string) => {
    const { items } = await deps.store.listByOwner(owner, { limit: 50 });
    const live = items.filter((s) => isLive(s.status));
    const ended = items.filter((s) => !isLive(s.status)).slice(0, 5);
    return [...live, ...ended].map((session) => card(session, session.owner === owner));
  };
  const card = (session: Session, own: boolean) => ({
    session,
    app: deps.apps.get(session.app),
    connectURL: own ? connectUrl(deps.urls, session.id, sessionCredentials(deps, session.id).token, session.app) : '',
  });

  app.get('/', async (c) => {
    const me = signedIn(c);
    if (!me) return toSignIn(c);
    const [cards, apps] = [await cardsOf(me.principal.user), deps.apps.list()];
    return page(
      c,
      <Layout title="My sessions" principal={me.principal} csrf={me.csrf}>
        <h1>My sessions</h1>
        <section id="sessions" aria-live="polite" data-refresh="/portal/sessions">
          <SessionList sessions={cards} now={deps.clock.now()} />
        </section>
        <h2>Apps</h2>
        <Catalog apps={apps} />
      </Layout>,
    );
  });

  // The cards alone, for the script to swap in when something changed.
  app.get('/portal/sessions', async (c) => {
    const me = signedIn(c);
    if (!me) return c.text('Sign in first.', 401);
    return page(c, <SessionList sessions={await cardsOf(me.principal.user)} now={deps.clock.now()} />);
  });

  app.get('/sign-in', (c) => page(c, <SignInPage next={safeNext(c.req.query('next'))} oidc={!!deps.oidc} />));
  // OIDC: to the issuer with a PKCE challenge, state and nonce (kept in a signed, 10-minute, HttpOnly cookie), and back.
  app.get('/sign-in/oidc', async (c) => {
    if (!deps.oidc) return c.notFound();
    const { url, flow } = await deps.oidc.begin(safeNext(c.req.query('next')));
    c.header('set-cookie', `${FLOW_COOKIE}=${deps.portal.seal(flow, 600)}; Path=/sign-in/oidc; HttpOnly; SameSite=Lax; Max-Age=600`);
    return c.redirect(url, 303);
  });
  app.get('/sign-in/oidc/callback', async (c) => {
    if (!deps.oidc) return c.notFound();
    const flow = deps.portal.unseal<OidcFlow>(getCookie(c, FLOW_COOKIE));
    const clear = `${FLOW_COOKIE}=; Path=/sign-in/oidc; HttpOnly; SameSite=Lax; Max-Age=0`;
    if (!flow) {
      c.header('set-cookie', clear);
      return page(c, <SignInPage next="/" oidc error="That sign-in expired or was not started here: try again." />, 400);
    }
    try {
      const principal = await deps.oidc.finish(new URL(c.req.url), flow);
      c.header('set-cookie', deps.portal.setCookie(deps.portal.issue(principal)));
      c.header('set-cookie', clear, { append: true });
      return c.redirect(flow.next, 303);
    } catch (error) {
      deps.logger.warn({ err: (error as Error).message }, 'OIDC sign-in failed');
      c.header('set-cookie', clear);
      return page(c, <SignInPage next={flow.next} oidc error="The sign-in with your organisation did not complete." />, 401);
    }
  });
  // A form from this site only (hono's Origin check), so no other page can sign a browser in as someone.
  app.post('/sign-in', csrf(), async (c) => {
    const form = await c.req.parseBody();
    const next = safeNext(form.next);
    const principal = typeof form.token === 'string' ? deps.signIn(form.token.trim()) : undefined;
    if (!principal) return page(c, <SignInPage next={next} oidc={!!deps.oidc} error="That token is not valid." />, 401);
    c.header('set-cookie', deps.portal.setCookie(deps.portal.issue(principal)));
    return c.redirect(next, 303);
  });
  app.post('/sign-out', csrf(), async (c) => {
    const value = getCookie(c, PORTAL_COOKIE);
    const form = await c.req.parseBody();
    if (value && deps.portal.read(value) && !deps.portal.csrfMatches(value, typeof form[CSRF_FIELD] === 'string' ? form[CSRF_FIELD] : undefined))
      return c.text('Missing or wrong CSRF token.', 403);
    c.header('set-cookie', deps.portal.clearCookie());
    return c.redirect('/sign-in', 303);
  });

  app.get('/admin', async (c) => {
    const me = signedIn(c);
    if (!me) return toSignIn(c);
    if (!me.principal.admin)
      return page(
        c,
        <Layout title="Admin" principal={me.principal} csrf={me.csrf}>
          <p class="error">Only admins may see this page.</p>
        </Layout>,
        403,
      );
    const live: Session[] = [];
    for await (const s of deps.store.listLive()) live.push(s);
    live.sort((a, b) => b.createdAt - a.createdAt);
    const totals = new Map<string, { sessions: number; cpu: number; memory: number }>();
    for (const s of live) {
      const t = totals.get(s.owner) ?? { sessions: 0, cpu: 0, memory: 0 };
      totals.set(s.owner, { sessions: t.sessions + 1, cpu: t.cpu + s.resources.cpu, memory: t.memory + s.resources.memory });
    }
    const pools = await poolViews(deps);
    return page(
      c,
      <Layout title="Admin" principal={me.principal} csrf={me.csrf}>
        <h1>Every live session</h1>
        <section id="sessions" data-admin="true">
          <SessionList sessions={live.map((s) => card(s, s.owner === me.principal.user))} admin now={deps.clock.now()} />
        </section>
        <table>
          <caption>Per user</caption>
          <thead>
            <tr>
              <th scope="col">User</th>
              <th scope="col">Sessions</th>
              <th scope="col">vCPUs</th>
              <th scope="col">Memory (MiB)</th>
            </tr>
          </thead>
          <tbody>
            {[...totals].map(([user, t]) => (
              <tr>
                <td>{user}</td>
                <td>{t.sessions}</td>
                <td>{t.cpu}</td>
                <td>{t.memory}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <PoolTable pools={pools} />
      </Layout>,
    );
  });

  // Clace's start-on-first-visit: a stable URL per user and app. Matched on the raw path (the API
  // answers /apps and /apps/{name}/icon), and only with its trailing slash.
  app.use('/apps/*', async (c, next) => {
    const m = /^\/apps\/([A-Za-z0-9][A-Za-z0-9_.-]{0,63})\/$/.exec(new URL(c.req.url).pathname);
    if (!m || c.req.method !== 'GET') return next();
    const me = signedIn(c);
    if (!me) return toSignIn(c);
    const name = m[1]!;
    const { items } = await deps.store.listByOwner(me.principal.user, { limit: 100 });
    const running = items.find((s) => s.app === name && isLive(s.status) && s.status !== 'STOPPING');
    // The router's holding page shows a starting session until it is ready, then the app.
    const session = running ?? (await launchSession(deps, { owner: me.principal.user, app: name })).session;
    return c.redirect(connectUrl(deps.urls, session.id, sessionCredentials(deps, session.id).token, session.app), 303);
  });

  return app;
}
