/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
import type { Context } from 'hono';
import { getCookie } from 'hono/cookie';
import { csrf } from 'hono/csrf';
import type { Principal } from '../../shared/domain/principal';
import type { SessionView } from '../api/views/session';
import type { Clock } from '../../shared/ports/clock';
import type { Logger } from '../../shared/ports/logger';
import type { PortalApi, SignedIn } from './api-client';
import { CSRF_FIELD, PORTAL_COOKIE, type PortalSessions } from './cookie';
import type { OidcSignIn } from './oidc';
import { Layout, SignInPage } from './pages';

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

/** Where a person opens a session: its app's web client page (naming it), else the session's own address. */
export const openUrl = (session: SessionView): string => session.barURL ?? session.clientURL ?? session.connectURL;

export interface PortalDeps {
  portal: PortalSessions;
  /** The API, called as the signed-in user (in-process with their cookie; on AWS at its URL with their token). */
  api: PortalApi;
  /** Where `/homes/me/files` is, where not the API (AWS: the files service beside the router), called as the user. */
  files?: PortalApi | undefined;
  /** Sign-in through an OIDC issuer (code + PKCE), where one is configured with a client id. */
  oidc?: OidcSignIn | undefined;
  /**
   * The principal a sign-in token names (the tokens file's users, the local admin); absent where there is no tokens
   * file (AWS).
   */
  signIn?: ((token: string) => Principal | undefined) | undefined;
  clock: Clock;
  logger: Logger;
  /** Where browsers reach the portal (behind a load balancer that ends TLS, the request's own URL says http). */
  publicUrl?: () => string;
}

/** A `next` that stays on this site: a path, never `//host` or a scheme. */
export function safeNext(next: unknown): string {
  return typeof next === 'string' && /^\/(?![/\\])[^\s]*$/.test(next) ? next : '/';
}

/** What the API answers with a problem: its words, for the page. */
export const problemText = (data: unknown, status: number) =>
  (typeof data === 'object' && data && 'detail' in data && typeof data.detail === 'string' ? data.detail : undefined) ??
  `The API answered ${status}.`;

/** What every portal route uses: who is signed in, a page with the portal's headers, and the ways out. */
export function portalKit(deps: PortalDeps) {
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

  /** A posted form's fields, once its CSRF token is this sign-in's; undefined for a form from anywhere else. */
  const formFrom = async (c: Context, me: SignedIn) => {
    const form = await c.req.parseBody();
    const csrf = form[CSRF_FIELD];
    return deps.portal.csrfMatches(me.cookie, typeof csrf === 'string' ? csrf : undefined) ? form : undefined;
  };

  return { signedIn, page, sameSite, toSignIn, signInPage, failed, formFrom };
}

export type PortalKit = ReturnType<typeof portalKit>;
