/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Hono, type Context } from 'hono';
import { getCookie } from 'hono/cookie';
import { csrf } from 'hono/csrf';
import type { Principal } from '../../shared/domain/principal';
import { isLive } from '../../shared/domain/session';
import type { Clock } from '../../shared/ports/clock';
import type { Logger } from '../../shared/ports/logger';
import type { AppView } from '../api/views/app';
import type { PoolView } from '../api/views/pool';
import type { SessionView } from '../api/views/session';
import { problemOf } from '../http/problem';
import { problemResponse } from '../api/problem';
import { callApi, forward, type PortalApi, type SignedIn } from './api-client';
import { AdminPage } from './admin';
import { CSRF_FIELD, PORTAL_COOKIE, type PortalSessions } from './cookie';
import type { OidcFlow, OidcSignIn } from './oidc';
import { Catalog, ConfirmLaunch, Layout, SignInPage } from './pages';
import { SessionList } from './session-cards';
import type { UsageReply } from '../api/views/usage';
import { UsageSummary } from './usage';

const FLOW_COOKIE = 'sessionplane_oidc';
const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Beside this module, or (in the server bundle `npm start` builds) in the checkout it runs from. */
const ASSETS =
  [join(dirname(fileURLToPath(import.meta.url)), 'assets'), resolve('functions/portal/assets')].find((dir) =>
    existsSync(dir),
  ) ?? 'functions/portal/assets';

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

export interface PortalDeps {
  portal: PortalSessions;
  /** The API, called as the signed-in user (in-process with their cookie; on AWS at its URL with their token). */
  api: PortalApi;
  /** Sign-in through an OIDC issuer (code + PKCE), where one is configured with a client id. */
  oidc?: OidcSignIn | undefined;
  /** The principal a sign-in token names (the tokens file's users, the local admin); absent where there is no tokens file (AWS). */
  signIn?: ((token: string) => Principal | undefined) | undefined;
  clock: Clock;
  logger: Logger;
  /** Where browsers reach the portal (behind a load balancer that ends TLS, the request's own URL says http). */
  publicUrl?: () => string;
}

/** A `next` that stays on this site: a path, never `//host` or a scheme. */
function safeNext(next: unknown): string {
  return typeof next === 'string' && /^\/(?![/\\])[^\s]*$/.test(next) ? next : '/';
}

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

/** What the API answers with a problem: its words, for the page. */
const problemText = (data: unknown, status: number) =>
  (typeof data === 'object' && data && 'detail' in data && typeof data.detail === 'string' ? data.detail : undefined) ??
  `The API answered ${status}.`;

/**
 * The portal: sign-in, the catalog with a launch form per app, the user's sessions as cards (live
 * progress while one starts), a stable URL per user and app (`/apps/<app>/`), and the admins'
 * view. Server-rendered (hono JSX); /portal.js only enhances (forms, progress, actions). Every
 * datum comes from the API, called as the signed-in user: in one process the API app itself; on
 * AWS (the router service) the HTTP API at its URL, where the portal also forwards its script's
 * API requests with the user's token (the browser never holds it).
 */
export function portalRoutes(deps: PortalDeps): Hono {
  const app = new Hono();
  const css = readFileSync(join(ASSETS, 'portal.css'), 'utf8');
  const js = readFileSync(join(ASSETS, 'portal.js'), 'utf8');
  app.get('/portal.css', (c) =>
    c.body(css, 200, { 'content-type': 'text/css; charset=utf-8', 'cache-control': 'no-cache' }),
  );
  app.get('/portal.js', (c) =>
    c.body(js, 200, { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'no-cache' }),
  );
  // The site's icon, also where browsers look for one unasked (an app's pages on this origin too).
  const icon = readFileSync(join(ASSETS, 'favicon.svg'));
  for (const path of ['/favicon.svg', '/favicon.ico'])
    app.get(path, (c) =>
      c.body(icon, 200, {
        'content-type': 'image/svg+xml',
        'cache-control': 'max-age=86400',
        'x-content-type-options': 'nosniff',
      }),
    );

  const signedIn = async (c: Context): Promise<SignedIn | undefined> => {
    const cookie = getCookie(c, PORTAL_COOKIE);
    const principal = await deps.portal.principalOf(cookie);
    if (!principal || !cookie) return undefined;
    const token = deps.api.remote ? deps.portal.tokenOf(cookie) : undefined;
    if (deps.api.remote && !token) return undefined;
    return { principal, cookie, csrf: deps.portal.csrfOf(cookie), token };
  };
  const page = (c: Context, html: unknown, status = 200) => {
    c.header('content-security-policy', CSP);
    c.header('x-content-type-options', 'nosniff');
    // same-origin: the router lets a top-level link from a page that is no session's (this one) open a session.
    c.header('referrer-policy', 'same-origin');
    c.header('cache-control', 'no-store');
    return c.html(html as string, status as 200);
  };
  // Forms from this site only (hono's Origin check), so no other page can sign a browser in or out.
  const sameSite = csrf({
    origin: (origin, c) =>
      origin === new URL(c.req.url).origin || (!!deps.publicUrl && origin === new URL(deps.publicUrl()).origin),
  });
  const toSignIn = (c: Context) => c.redirect(`/sign-in?next=${encodeURIComponent(new URL(c.req.url).pathname)}`, 303);
  const signInPage = (c: Context, props: { next: string; error?: string }, status = 200) =>
    page(c, <SignInPage {...props} oidc={!!deps.oidc} tokens={!!deps.signIn} />, status);
  /** An API answer the page cannot use: sign in again (401: a token expired), or say what went wrong. */
  const failed = (c: Context, me: SignedIn, answer: { status: number; data: unknown }, title = 'Sessionplane') => {
    if (answer.status === 401) {
      c.header('set-cookie', deps.portal.clearCookie());
      return toSignIn(c);
    }
    const status = answer.status >= 500 ? 502 : answer.status;
    return page(
      c,
      <Layout title={title} principal={me.principal} csrf={me.csrf}>
        <p class="error" role="alert">
          {problemText(answer.data, answer.status)}
        </p>
        <p>
          <a href="/">Back to my sessions</a>
        </p>
      </Layout>,
      status,
    );
  };

  /** The user's cards (live first, then the most recent ended ones) and the apps, or the API's refusal. */
  const cardsOf = async (me: SignedIn) => {
    const [list, catalog] = await Promise.all([
      callApi<{ sessions: SessionView[] }>(deps.api, me, 'GET', '/sessions?limit=50'),
      callApi<{ apps: AppView[] }>(deps.api, me, 'GET', '/apps'),
    ]);
    if (!list.ok) return { failed: list };
    if (!catalog.ok) return { failed: catalog };
    const apps = catalog.data.apps;
    const live = list.data.sessions.filter((s) => isLive(s.status));
    const ended = list.data.sessions.filter((s) => !isLive(s.status)).slice(0, 5);
    const cards = [...live, ...ended].map((session) => ({
      session,
      app: apps.find((a) => a.name === session.app),
      own: session.owner === me.principal.user,
    }));
    return { cards, apps };
  };

  /** A user's cards and this month's use (GET /usage: their own records and live sessions only). */
  const cardsAndUsage = (me: Parameters<typeof cardsOf>[0]) =>
    Promise.all([cardsOf(me), callApi<UsageReply>(deps.api, me, 'GET', '/usage?period=month')]);

  app.get('/', async (c) => {
    const me = await signedIn(c);
    if (!me) return toSignIn(c);
    const [got, usage] = await cardsAndUsage(me);
    if (got.failed) return failed(c, me, got.failed);
    return page(
      c,
      <Layout title="My sessions" principal={me.principal} csrf={me.csrf}>
        <h1>My sessions</h1>
        <section id="sessions" aria-live="polite" data-refresh="/portal/sessions">
          <SessionList sessions={got.cards} now={deps.clock.now()} />
          <UsageSummary usage={usage.ok ? usage.data : undefined} />
        </section>
        <h2>Apps</h2>
        <Catalog apps={got.apps} />
      </Layout>,
    );
  });

  // The cards and this month's use, for the script to swap in when something changed.
  app.get('/portal/sessions', async (c) => {
    const me = await signedIn(c);
    if (!me) return c.text('Sign in first.', 401);
    const [got, usage] = await cardsAndUsage(me);
    if (got.failed)
      return c.text(problemText(got.failed.data, got.failed.status), got.failed.status === 401 ? 401 : 502);
    return page(
      c,
      <>
        <SessionList sessions={got.cards} now={deps.clock.now()} />
        <UsageSummary usage={usage.ok ? usage.data : undefined} />
      </>,
    );
  });

  // Open: the session's connectURL, asked of the API when the user opens it (never kept in the page).
  app.get('/open/:id{[0-9a-f]{32}}', async (c) => {
    const me = await signedIn(c);
    if (!me) return toSignIn(c);
    const one = await callApi<SessionView>(deps.api, me, 'GET', `/sessions/${c.req.param('id')}`);
    return one.ok ? c.redirect(one.data.connectURL, 303) : failed(c, me, one);
  });

  app.get('/sign-in', (c) => signInPage(c, { next: safeNext(c.req.query('next')) }));
  // OIDC: to the issuer with a PKCE challenge, state and nonce (kept in a signed, 10-minute, HttpOnly cookie), and back.
  app.get('/sign-in/oidc', async (c) => {
    if (!deps.oidc) return c.notFound();
    const { url, flow } = await deps.oidc.begin(safeNext(c.req.query('next')));
    c.header(
      'set-cookie',
      `${FLOW_COOKIE}=${deps.portal.seal(flow, 600)}; Path=/sign-in/oidc; HttpOnly; SameSite=Lax; Max-Age=600`,
    );
    return c.redirect(url, 303);
  });
  app.get('/sign-in/oidc/callback', async (c) => {
    if (!deps.oidc) return c.notFound();
    const flow = deps.portal.unseal<OidcFlow>(getCookie(c, FLOW_COOKIE));
    const clear = `${FLOW_COOKIE}=; Path=/sign-in/oidc; HttpOnly; SameSite=Lax; Max-Age=0`;
    if (!flow) {
      c.header('set-cookie', clear);
      return signInPage(c, { next: '/', error: 'That sign-in expired or was not started here: try again.' }, 400);
    }
    try {
      const { principal, idToken, expiresAt } = await deps.oidc.finish(new URL(c.req.url), flow);
      // A remote API is called with the user's own ID token, which the cookie carries encrypted.
      const cookie = deps.portal.issue(principal, deps.api.remote ? { value: idToken, expiresAt } : undefined);
      c.header('set-cookie', deps.portal.setCookie(cookie));
      c.header('set-cookie', clear, { append: true });
      return c.redirect(flow.next, 303);
    } catch (error) {
      deps.logger.warn({ err: (error as Error).message }, 'OIDC sign-in failed');
      c.header('set-cookie', clear);
      return signInPage(c, { next: flow.next, error: 'The sign-in with your organisation did not complete.' }, 401);
    }
  });
  app.post('/sign-in', sameSite, async (c) => {
    const form = await c.req.parseBody();
    const next = safeNext(form.next);
    const principal = typeof form.token === 'string' ? deps.signIn?.(form.token.trim()) : undefined;
    if (!principal) return signInPage(c, { next, error: 'That token is not valid.' }, 401);
    c.header('set-cookie', deps.portal.setCookie(deps.portal.issue(principal)));
    return c.redirect(next, 303);
  });
  app.post('/sign-out', sameSite, async (c) => {
    const value = getCookie(c, PORTAL_COOKIE);
    const form = await c.req.parseBody();
    if (
      value &&
      deps.portal.read(value) &&
      !deps.portal.csrfMatches(value, typeof form[CSRF_FIELD] === 'string' ? form[CSRF_FIELD] : undefined)
    )
      return c.text('Missing or wrong CSRF token.', 403);
    // The cookie is cleared in the browser, and refused if anyone kept a copy.
    if (value) await deps.portal.signOut(value);
    c.header('set-cookie', deps.portal.clearCookie());
    return c.redirect('/sign-in', 303);
  });

  app.get('/admin', async (c) => {
    const me = await signedIn(c);
    if (!me) return toSignIn(c);
    if (!me.principal.admin)
      return failed(c, me, { status: 403, data: { detail: 'Only admins may see this page.' } }, 'Admin');
    const [live, pools, usage] = await Promise.all([
      callApi<{ sessions: SessionView[] }>(deps.api, me, 'GET', '/sessions?all=true'),
      callApi<{ pools: PoolView[] }>(deps.api, me, 'GET', '/pools'),
      callApi<UsageReply>(deps.api, me, 'GET', '/usage?groupBy=user&period=month'),
    ]);
    if (!live.ok) return failed(c, me, live, 'Admin');
    const cards = live.data.sessions.map((session) => ({ session, own: session.owner === me.principal.user }));
    return page(
      c,
      <AdminPage
        me={me}
        cards={cards}
        pools={pools.ok ? pools.data.pools : []}
        usage={usage.ok ? usage.data : undefined}
        now={deps.clock.now()}
      />,
    );
  });

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
      return one.ok ? c.redirect(one.data.connectURL, 303) : failed(c, me, one, name);
    }
    if (c.req.method === 'GET' && !fromThisSite(c))
      return page(c, <ConfirmLaunch app={name} principal={me.principal} csrf={me.csrf} />);
    // The router's holding page shows a starting session until it is ready, then the app.
    const started = await callApi<SessionView>(deps.api, me, 'POST', '/sessions', { app: name });
    return started.ok ? c.redirect(started.data.connectURL, 303) : failed(c, me, started, name);
  });

  // The API elsewhere (AWS): the script's requests go through here, as the user, CSRF-checked.
  if (deps.api.remote) {
    const relay = async (c: Context) => {
      const me = await signedIn(c);
      if (!me) return problemResponse(c, problemOf('auth.unauthenticated', 'Sign in first.'));
      if (!SAFE.has(c.req.method) && !deps.portal.csrfMatches(me.cookie, c.req.header('x-csrf-token')))
        return problemResponse(
          c,
          problemOf('auth.forbidden', 'A request signed in by the portal cookie needs its CSRF token (x-csrf-token).'),
        );
      return forward(deps.api, me, c.req.raw);
    };
    for (const prefix of ['/sessions', '/apps', '/pools']) app.all(prefix, relay).all(`${prefix}/*`, relay);
  }

  return app;
}
