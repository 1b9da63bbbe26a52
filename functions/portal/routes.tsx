/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
import { type Context, Hono } from 'hono';
import { isLive } from '../../shared/domain/session';
import { problemResponse } from '../api/problem';
import type { AppView } from '../api/views/app';
import type { PoolView } from '../api/views/pool';
import type { SessionView } from '../api/views/session';
import type { UsageReply } from '../api/views/usage';
import { problemOf } from '../http/problem';
import { AdminPage } from './admin';
import { callApi, forward, type SignedIn } from './api-client';
import { launchFromThisSite } from './cookie';
import { appAddressRoutes } from './app-address';
import { assetRoutes } from './assets';
import { openUrl, type PortalDeps, portalKit, problemText } from './kit';
import { keepPrefix } from './prefix';
import { Catalog, Layout } from './pages';
import { RecentLaunches } from './relaunch';
import { SessionList } from './session-cards';
import { signInRoutes } from './sign-in';
import { fileRoutes } from './files';
import { sessionActionRoutes } from './session-actions';
import { tokenRoutes } from './tokens';
import { UsageSummary } from './usage';

export type { PortalDeps } from './kit';

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * The portal: sign-in, the catalog with a launch form per app, the user's sessions as cards (live
 * progress while one starts), a stable URL per user and app (`/apps/<app>/`), and the admins'
 * view. Server-rendered (hono JSX); /portal.js only enhances (forms, progress, actions). Every
 * datum comes from the API, called as the signed-in user: in one process the API app itself; on
 * AWS (the router service) the HTTP API at its URL, where the portal also forwards its script's
 * API requests with the user's token (the browser never holds it).
 */
// Over 60 lines: the portal's route table; its parts (sign-in, app address, assets) are their own modules.
export function portalRoutes(deps: PortalDeps): Hono {
  const app = new Hono();
  const kit = portalKit(deps);
  const { signedIn, page, toSignIn, failed } = kit;
  app.use('*', keepPrefix);
  app.route('/', assetRoutes());
  app.route('/', signInRoutes(deps, kit));

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
    return { cards, apps, all: list.data.sessions };
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
        <RecentLaunches sessions={got.all} apps={got.apps} user={me.principal.user} />
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

  // Open: where a person opens the session (its web client's page, else its connectURL), asked of the API when the
  // user opens it (never kept in the page).
  app.get('/open/:id{[0-9a-f]{32}}', async (c) => {
    const me = await signedIn(c);
    if (!me) return toSignIn(c);
    const one = await callApi<SessionView>(deps.api, me, 'GET', `/sessions/${c.req.param('id')}`);
    return one.ok ? c.redirect(openUrl(one.data), 303) : failed(c, me, one);
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

  app.route('/', appAddressRoutes(deps, kit));
  app.route('/', tokenRoutes(deps, kit));
  app.route('/', fileRoutes(deps, kit));
  app.route('/', sessionActionRoutes(deps, kit));

  // The API elsewhere (AWS): the script's requests go through here, as the user, CSRF-checked.
  if (deps.api.remote) {
    const relay = async (c: Context) => {
      // The launcher answers in wslink's shape, and takes a POST from a web client of this site without the header.
      const launcher = /^\/(paraview|launcher)(\/|$)/.test(c.req.path);
      const refuse = (code: 'auth.unauthenticated' | 'auth.forbidden', detail: string) =>
        launcher
          ? c.json({ error: detail }, code === 'auth.forbidden' ? 403 : 401)
          : problemResponse(c, problemOf(code, detail));
      const me = await signedIn(c);
      if (!me) return refuse('auth.unauthenticated', 'Sign in first.');
      if (
        !SAFE.has(c.req.method) &&
        !deps.portal.csrfMatches(me.cookie, c.req.header('x-csrf-token')) &&
        !(launcher && launchFromThisSite(c))
      )
        return refuse(
          'auth.forbidden',
          'A request signed in by the portal cookie needs its CSRF token (x-csrf-token).',
        );
      return forward(c.req.path.startsWith('/homes/') && deps.files ? deps.files : deps.api, me, c.req.raw);
    };
    for (const prefix of [
      '/sessions',
      '/apps',
      '/pools',
      '/paraview',
      '/launcher',
      ...(deps.files ? ['/homes/me/files'] : []),
    ])
      app.all(prefix, relay).all(`${prefix}/*`, relay);
  }

  return app;
}
