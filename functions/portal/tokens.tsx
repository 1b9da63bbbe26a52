/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
import { type Context, Hono } from 'hono';
import { TOKEN_DAYS, type ApiTokenView } from '../../shared/domain/api-tokens';
import type { SignedIn } from './api-client';
import { callApi } from './api-client';
import { CSRF_FIELD } from './cookie';
import { type PortalDeps, type PortalKit, problemText } from './kit';
import { Layout, PostButton } from './pages';

/** Where the page lives: `/tokens` itself is the API's (one origin on one machine). */
const TOKENS_PAGE = '/portal/tokens';

/**
 * A person's API tokens (#38, JupyterHub's token page): make one with a name and an expiry (shown on the next page,
 * once, with a curl line to try it), see each by name and dates, revoke one. Forms post back with the CSRF token;
 * every datum is the API's (`/tokens`), called as the signed-in user.
 */
export function tokenRoutes(deps: PortalDeps, kit: PortalKit): Hono {
  const app = new Hono();
  const { signedIn, page, sameSite, toSignIn, failed, formFrom } = kit;
  const apiBase = (c: Context) =>
    deps.api.remote ? deps.api.base : (deps.publicUrl?.() ?? new URL(c.req.url).origin).replace(/\/+$/, '');

  const show = async (c: Context, me: SignedIn, made?: ApiTokenView & { token: string }, error?: string) => {
    const listed = await callApi<{ tokens: ApiTokenView[] }>(deps.api, me, 'GET', '/tokens');
    if (!listed.ok) return failed(c, me, listed, 'API tokens');
    return page(
      c,
      <TokensPage me={me} tokens={listed.data.tokens} made={made} error={error} apiBase={apiBase(c)} />,
      error ? 400 : made ? 201 : 200,
    );
  };
  const notThisPage = { status: 403, data: { detail: 'That form was not from this page: open API tokens again.' } };

  app.get(TOKENS_PAGE, async (c) => {
    const me = await signedIn(c);
    return me ? show(c, me) : toSignIn(c);
  });
  app.post(TOKENS_PAGE, sameSite, async (c) => {
    const me = await signedIn(c);
    if (!me) return toSignIn(c);
    const form = await formFrom(c, me);
    if (!form) return failed(c, me, notThisPage, 'API tokens');
    const days = Number(form.expiresInDays);
    const made = await callApi<ApiTokenView & { token: string }>(deps.api, me, 'POST', '/tokens', {
      name: typeof form.name === 'string' ? form.name : '',
      ...(Number.isFinite(days) && form.expiresInDays !== '' ? { expiresInDays: days } : {}),
    });
    return made.ok ? show(c, me, made.data) : show(c, me, undefined, problemText(made.data, made.status));
  });
  app.post(`${TOKENS_PAGE}/:id{[0-9a-f]{12}}/revoke`, sameSite, async (c) => {
    const me = await signedIn(c);
    if (!me) return toSignIn(c);
    if (!(await formFrom(c, me))) return failed(c, me, notThisPage, 'API tokens');
    const gone = await callApi(deps.api, me, 'DELETE', `/tokens/${c.req.param('id')}`);
    return gone.ok || gone.status === 404 ? c.redirect(TOKENS_PAGE, 303) : failed(c, me, gone, 'API tokens');
  });
  return app;
}

const day = (iso: string) => iso.slice(0, 10);

function TokensPage(props: {
  me: SignedIn;
  tokens: ApiTokenView[];
  made?: (ApiTokenView & { token: string }) | undefined;
  error?: string | undefined;
  apiBase: string;
}) {
  const { me, made } = props;
  return (
    <Layout title="API tokens" principal={me.principal} csrf={me.csrf}>
      <h1>API tokens</h1>
      <p>
        A token lets curl, skaha's client or a trame client act as you ({me.principal.user}), with the groups you have
        now. Keep it like a password; revoke it when you no longer need it.
      </p>
      {made ? (
        <section class="card made" aria-labelledby="made-title">
          <h2 id="made-title">{`Your new token “${made.name}”`}</h2>
          <p>Copy it now: it is not shown again.</p>
          <input class="token" readonly value={made.token} aria-label="Your new token" />
          <p>Try it:</p>
          <pre>
            <code>{`curl -H "Authorization: Bearer ${made.token}" ${props.apiBase}/sessions`}</code>
          </pre>
        </section>
      ) : null}
      {props.error ? (
        <p class="error" role="alert">
          {props.error}
        </p>
      ) : null}
      <form method="post" action={TOKENS_PAGE} class="card" aria-label="Make a token">
        <input type="hidden" name={CSRF_FIELD} value={me.csrf} />
        <div class="field">
          <label for="token-name">Name</label>
          <input id="token-name" name="name" required maxlength={64} placeholder="laptop, CI, skaha CLI" />
        </div>
        <div class="field">
          <label for="token-days">Expires in (days)</label>
          <input
            id="token-days"
            name="expiresInDays"
            type="number"
            min="1"
            max={String(TOKEN_DAYS.max)}
            value={String(TOKEN_DAYS.default)}
          />
        </div>
        <button type="submit">Make a token</button>
      </form>
      <TokenTable tokens={props.tokens} csrf={me.csrf} />
    </Layout>
  );
}

function TokenTable(props: { tokens: ApiTokenView[]; csrf: string }) {
  if (!props.tokens.length) return <p class="meta">You have no API tokens.</p>;
  return (
    <div class="scroll">
      <table>
        <caption>Your tokens</caption>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Made</th>
            <th scope="col">Expires</th>
            <th scope="col">
              <span class="visually-hidden">Revoke</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {props.tokens.map((t) => (
            <tr>
              <td>{t.name}</td>
              <td>{day(t.createdAt)}</td>
              <td>{day(t.expiresAt)}</td>
              <td>
                <PostButton action={`${TOKENS_PAGE}/${t.id}/revoke`} csrf={props.csrf} label={`Revoke ${t.name}`}>
                  Revoke
                </PostButton>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
