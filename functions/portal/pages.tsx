import type { Child } from 'hono/jsx';
import type { AppSpec, ParamSpec } from '../../shared/domain/app';
import type { Principal } from '../../shared/domain/principal';
import { isLive, type Session } from '../../shared/domain/session';
import type { PoolView } from '../../shared/services/pool-admin';

const iso = (ms: number) => new Date(ms).toISOString();
/** "08:08 UTC" (the day too when it is not today's) and how long ago or ahead, from the server's clock. */
function when(ms: number, now: number): string {
  const d = new Date(ms);
  const sameDay = d.toISOString().slice(0, 10) === new Date(now).toISOString().slice(0, 10);
  const at = `${sameDay ? '' : `${d.toISOString().slice(0, 10)} `}${d.toISOString().slice(11, 16)} UTC`;
  const minutes = Math.round((ms - now) / 60_000);
  const span = Math.abs(minutes) < 1 ? 'now' : Math.abs(minutes) < 120 ? `${Math.abs(minutes)} min` : `${Math.round(Math.abs(minutes) / 60)} h`;
  return span === 'now' ? `${at}, just now` : minutes < 0 ? `${at}, ${span} ago` : `${at}, in ${span}`;
}

/** A status reason in words: its code (before any colon) explained, the runtime's detail kept. */
function reasonText(reason: string | undefined): string {
  if (!reason) return '';
  const [code, ...rest] = reason.split(':');
  const detail = rest.join(':').trim();
  const words: Record<string, string> = {
    user: 'Stopped by you',
    admin: 'Stopped by an admin',
    idle: 'Stopped: nobody used it for its idle timeout',
    expired: 'Stopped: it reached its expiry',
    shutdown: 'Stopped: the server shut down',
    'launch-timeout': 'Did not get ready in time',
    'app-exited': 'The app exited',
    'exited-before-ready': 'The app exited before it was ready (exited-before-ready)',
    oom: 'Killed: over its memory limit',
    lost: 'Lost: its process or task was gone',
  };
  const said = words[code!] ?? code!;
  return detail ? `${said}: ${detail}` : said;
}
const mib = (n: number) => (n >= 1024 ? `${(n / 1024).toFixed(n % 1024 ? 1 : 0)} GiB` : `${n} MiB`);

/** Every page: the stylesheet and script of the portal (no inline script or style: the CSP forbids them). */
export function Layout(props: { title: string; principal?: Principal | undefined; csrf?: string | undefined; children: Child }) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        {props.csrf ? <meta name="csrf-token" content={props.csrf} /> : null}
        <title>{`${props.title} · Sessionplane`}</title>
        <link rel="stylesheet" href="/portal.css" />
        <script type="module" src="/portal.js" />
      </head>
      <body>
        <header class="bar">
          <a class="brand" href="/">
            Sessionplane
          </a>
          {props.principal ? (
            <nav aria-label="Account">
              <span class="who">{props.principal.user}</span>
              {props.principal.admin ? <a href="/admin">Admin</a> : null}
              <form method="post" action="/sign-out">
                <input type="hidden" name="_csrf" value={props.csrf ?? ''} />
                <button type="submit">Sign out</button>
              </form>
            </nav>
          ) : null}
        </header>
        <main id="main">{props.children}</main>
      </body>
    </html>
  );
}

export function SignInPage(props: { next: string; error?: string | undefined; oidc: boolean }) {
  return (
    <Layout title="Sign in">
      <section class="card narrow">
        <h1>Sign in</h1>
        {props.error ? (
          <p class="error" role="alert">
            {props.error}
          </p>
        ) : null}
        <form method="post" action="/sign-in">
          <input type="hidden" name="next" value={props.next} />
          <label for="token">Your access token</label>
          <input id="token" name="token" type="password" autocomplete="current-password" required />
          <button type="submit">Sign in</button>
        </form>
        {props.oidc ? (
          <p>
            <a class="button" href={`/sign-in/oidc?next=${encodeURIComponent(props.next)}`}>
              Sign in with your organisation
            </a>
          </p>
        ) : null}
      </section>
    </Layout>
  );
}

function ParamField(props: { app: string; name: string; spec: ParamSpec }) {
  const id = `f-${props.app}-${props.name}`;
  const { spec } = props;
  const describedBy = `${id}-help ${id}-err`;
  const field = spec.enum ? (
    <select id={id} name={`params.${props.name}`} aria-describedby={describedBy}>
      {spec.enum.map((v) => (
        <option value={v} selected={v === spec.default}>
          {v}
        </option>
      ))}
    </select>
  ) : spec.type === 'boolean' ? (
    <input id={id} name={`params.${props.name}`} type="checkbox" value="true" checked={spec.default === 'true'} aria-describedby={describedBy} />
  ) : (
    <input
      id={id}
      name={`params.${props.name}`}
      type={spec.type === 'string' ? 'text' : 'number'}
      value={spec.default ?? ''}
      required={spec.required}
      {...(spec.pattern ? { pattern: spec.pattern } : {})}
      {...(spec.min !== undefined ? { min: String(spec.min) } : {})}
      {...(spec.max !== undefined ? { max: String(spec.max) } : {})}
      {...(spec.type === 'number' ? { step: 'any' } : {})}
      maxlength={spec.maxLength}
      aria-describedby={describedBy}
    />
  );
  return (
    <div class="field">
      <label for={id}>{props.name}</label>
      {field}
      <small id={`${id}-help`}>{spec.description ?? ''}</small>
      <small class="field-error" id={`${id}-err`} data-field={`params.${props.name}`} role="alert" />
    </div>
  );
}

function LaunchForm(props: { app: AppSpec }) {
  const { app } = props;
  const id = (k: string) => `f-${app.name}-${k}`;
  return (
    <form class="launch" data-app={app.name} aria-label={`Launch ${app.title ?? app.name}`}>
      {Object.entries(app.params).map(([name, spec]) => (
        <ParamField app={app.name} name={name} spec={spec} />
      ))}
      <details>
        <summary>Name and resources</summary>
        <div class="field">
          <label for={id('name')}>Session name</label>
          <input id={id('name')} name="name" type="text" maxlength={64} placeholder={app.name} />
          <small class="field-error" data-field="name" role="alert" />
        </div>
        <div class="field">
          <label for={id('cpu')}>vCPUs (at most {app.limits.cpu})</label>
          <input id={id('cpu')} name="resources.cpu" type="number" step="0.25" min="0.25" max={String(app.limits.cpu)} value={String(app.resources.cpu)} />
          <small class="field-error" data-field="resources.cpu" role="alert" />
        </div>
        <div class="field">
          <label for={id('memory')}>Memory, MiB (at most {app.limits.memory})</label>
          <input
            id={id('memory')}
            name="resources.memory"
            type="number"
            step="1"
            min="64"
            max={String(app.limits.memory)}
            value={String(app.resources.memory)}
          />
          <small class="field-error" data-field="resources.memory" role="alert" />
        </div>
      </details>
      <p class="form-error" role="alert" />
      <button type="submit">Launch</button>
    </form>
  );
}

export function Catalog(props: { apps: AppSpec[] }) {
  if (props.apps.length === 0) return <p class="empty">No apps are offered to you.</p>;
  return (
    <ul class="apps">
      {props.apps.map((app) => (
        <li class="card app">
          <div class="app-head">
            {app.icon ? <img src={`/apps/${app.name}/icon`} alt="" width="40" height="40" /> : <span class="icon-none" aria-hidden="true" />}
            <h3>{app.title ?? app.name}</h3>
          </div>
          <p>{app.description ?? ''}</p>
          <p class="meta">
            {app.resources.cpu} vCPU · {mib(app.resources.memory)}
            {app.resources.gpus ? ` · ${app.resources.gpus} GPU` : ''} · <a href={`/apps/${app.name}/`}>{`/apps/${app.name}/`}</a>
          </p>
          <LaunchForm app={app} />
        </li>
      ))}
    </ul>
  );
}

/** One session as a card; the client script follows a starting one's events and swaps the list when something changes. */
function SessionCard(props: { session: Session; app?: AppSpec | undefined; connectURL: string; admin?: boolean; now: number }) {
  const s = props.session;
  const own = props.connectURL !== '';
  const live = isLive(s.status);
  const starting = s.status === 'PENDING' || s.status === 'STARTING';
  const warning = s.warned?.expiry
    ? `It expires at ${iso(s.expiresAt)}.`
    : s.warned?.idle
      ? 'Nobody has used it for a while: it will be stopped as idle unless it is used.'
      : undefined;
  return (
    <li class={`card session status-${s.status.toLowerCase()}`} data-id={s.id} data-status={s.status}>
      <div class="session-head">
        <h3>{s.name}</h3>
        <span class="badge">{s.status}</span>
      </div>
      <p class="meta">
        {props.app?.title ?? s.app} · {s.resources.cpu} vCPU · {mib(s.resources.memory)}
        <br />
        started <time datetime={iso(s.createdAt)}>{when(s.createdAt, props.now)}</time>
        {live ? (
          <>
            <br />
            expires <time datetime={iso(s.expiresAt)}>{when(s.expiresAt, props.now)}</time>
          </>
        ) : null}
        {props.admin && s.lastActivityAt ? (
          <>
            <br />
            last used <time datetime={iso(s.lastActivityAt)}>{when(s.lastActivityAt, props.now)}</time>
          </>
        ) : null}
        {props.admin ? (
          <>
            <br />
            owner {s.owner}
          </>
        ) : null}
      </p>
      {starting ? (
        <div class="progress" data-events={`/sessions/${s.id}/events`}>
          <progress max="100" value="0" aria-label={`Starting ${s.name}`} />
          <span class="phase">Starting…</span>
        </div>
      ) : null}
      {s.status === 'FAILED' || (s.statusReason && !live) ? <p class={s.status === 'FAILED' ? 'reason' : 'ended'}>{reasonText(s.statusReason)}</p> : null}
      {warning && live && own ? (
        <p class="banner" role="status">
          {warning}{' '}
          {s.warned?.expiry ? (
            <button type="button" data-action="renew" data-id={s.id}>
              Extend
            </button>
          ) : s.status === 'READY' ? (
            <a class="button" href={props.connectURL} rel="noopener">
              Use it
            </a>
          ) : null}
        </p>
      ) : null}
      {live ? (
        <div class="actions">
          {s.status === 'READY' && own ? (
            <a class="button primary" href={props.connectURL} rel="noopener">
              Open
            </a>
          ) : null}
          {own ? (
            <button type="button" data-action="renew" data-id={s.id}>
              Renew
            </button>
          ) : null}
          <button type="button" data-action="stop" data-id={s.id}>
            Stop
          </button>
          <button type="button" data-action="logs" data-id={s.id} aria-expanded="false">
            Log
          </button>
        </div>
      ) : null}
      <pre class="log" hidden />
    </li>
  );
}

export function SessionList(props: { sessions: { session: Session; app?: AppSpec | undefined; connectURL: string }[]; admin?: boolean; now: number }) {
  if (props.sessions.length === 0) return <p class="empty">No sessions yet: launch an app below.</p>;
  return (
    <ul class="sessions">
      {props.sessions.map((s) => (
        <SessionCard session={s.session} app={s.app} connectURL={s.connectURL} admin={props.admin ?? false} now={props.now} />
      ))}
    </ul>
  );
}

export function PoolTable(props: { pools: PoolView[] }) {
  if (props.pools.length === 0) return <p class="empty">No app has a warm pool.</p>;
  return (
    <table>
      <caption>Warm pools</caption>
      <thead>
        <tr>
          <th scope="col">App</th>
          <th scope="col">Ready</th>
          <th scope="col">Starting</th>
          <th scope="col">Target</th>
          <th scope="col">Hits</th>
          <th scope="col">Misses</th>
          <th scope="col">Paused</th>
        </tr>
      </thead>
      <tbody>
        {props.pools.map((p) => (
          <tr>
            <td>{p.app}</td>
            <td>{p.ready}</td>
            <td>{p.starting}</td>
            <td>{p.target}</td>
            <td>{p.status.hits}</td>
            <td>{p.status.misses}</td>
            <td>{p.status.paused ? p.status.paused.reason : 'no'}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
