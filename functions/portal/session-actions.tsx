/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
import { type Context, Hono } from 'hono';
import type { SessionView } from '../api/views/session';
import { callApi, type SignedIn } from './api-client';
import { CSRF_FIELD } from './cookie';
import { openUrl, type PortalDeps, type PortalKit } from './kit';
import { Layout } from './pages';

type Action = 'stop' | 'extend';
const WORDS: Record<Action, { title: (name: string) => string; button: string; detail: string }> = {
  stop: {
    title: (name) => `Stop ${name}?`,
    button: 'Stop it',
    detail: 'Its app ends now; what it wrote to your home stays.',
  },
  extend: {
    title: (name) => `Extend ${name}?`,
    button: 'Extend it',
    detail: "It gets its app's whole lifetime again from now (within the most a session may run).",
  },
};

/**
 * Where the thin bar's Stop and Extend lead (#38): a page that says what will happen, whose button posts back with
 * the CSRF token; then the API, called as the signed-in person, decides (only the owner or an admin may), and the
 * person goes to their sessions (stopped) or back to the app (extended). A link from elsewhere changes nothing.
 */
export function sessionActionRoutes(deps: PortalDeps, kit: PortalKit): Hono {
  const app = new Hono();
  const { signedIn, page, sameSite, toSignIn, failed, formFrom } = kit;
  const path = '/portal/sessions/:id{[0-9a-f]{32}}/:action{stop|extend}';
  const sessionOf = (c: Context, me: SignedIn) =>
    callApi<SessionView>(deps.api, me, 'GET', `/sessions/${c.req.param('id')}`);

  app.get(path, async (c) => {
    const me = await signedIn(c);
    if (!me) return toSignIn(c);
    const one = await sessionOf(c, me);
    if (!one.ok) return failed(c, me, one);
    const action = c.req.param('action') as Action;
    const s = one.data;
    return page(
      c,
      <Layout title={WORDS[action].title(s.name)} principal={me.principal} csrf={me.csrf}>
        <h1>{WORDS[action].title(s.name)}</h1>
        <p>
          {WORDS[action].detail} It ends at <time datetime={s.expiresAt}>{s.expiresAt.slice(11, 16)} UTC</time> now.
        </p>
        <form method="post" action={new URL(c.req.url).pathname}>
          <input type="hidden" name={CSRF_FIELD} value={me.csrf} />
          <button type="submit">{WORDS[action].button}</button> <a href={openUrl(s)}>Back to the app</a>
        </form>
      </Layout>,
    );
  });

  app.post(path, sameSite, async (c) => {
    const me = await signedIn(c);
    if (!me) return toSignIn(c);
    if (!(await formFrom(c, me)))
      return failed(c, me, { status: 403, data: { detail: 'That form was not from this page: open the app again.' } });
    const id = c.req.param('id');
    if (c.req.param('action') === 'stop') {
      const stopped = await callApi(deps.api, me, 'DELETE', `/sessions/${id}`);
      return stopped.ok ? c.redirect('/', 303) : failed(c, me, stopped);
    }
    const renewed = await callApi<SessionView>(deps.api, me, 'POST', `/sessions/${id}/renew`);
    if (!renewed.ok) return failed(c, me, renewed);
    return c.redirect(`/open/${id}`, 303);
  });
  return app;
}
