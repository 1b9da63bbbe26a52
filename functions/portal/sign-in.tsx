/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
import { Hono } from 'hono';
import { getCookie } from 'hono/cookie';
import { CSRF_FIELD, PORTAL_COOKIE } from './cookie';
import { type PortalDeps, type PortalKit, safeNext } from './kit';
import type { OidcFlow } from './oidc';

const FLOW_COOKIE = 'sessionplane_oidc';

/** Sign-in (a token, or OIDC with PKCE) and sign-out. */
// Over 60 lines: the sign-in routes in one table (token, OIDC start and callback, sign-out), each short.
export function signInRoutes(deps: PortalDeps, kit: PortalKit): Hono {
  const app = new Hono();
  const { sameSite, signInPage } = kit;
  app.get('/sign-in', (c) => signInPage(c, { next: safeNext(c.req.query('next')) }));
  // OIDC: to the issuer with a PKCE challenge, state and nonce (kept in a signed, 10-minute, HttpOnly cookie), and
  // back.
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

  return app;
}
