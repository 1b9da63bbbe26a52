/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
import type { Child } from 'hono/jsx';
import type { ParamSpec } from '../../shared/domain/app';
import type { AppView } from '../api/views/app';
import type { Principal } from '../../shared/domain/principal';
import { LaunchChoices } from './launch-choices';
import { mib } from './session-cards';

/** Every page: the stylesheet and script of the portal (no inline script or style: the CSP forbids them). */
export function Layout(props: {
  title: string;
  principal?: Principal | undefined;
  csrf?: string | undefined;
  children: Child;
}) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        {props.csrf ? <meta name="csrf-token" content={props.csrf} /> : null}
        <title>{`${props.title} · Sessionplane`}</title>
        <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
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
              <a href="/portal/files">Files</a>
              <a href="/portal/tokens">API tokens</a>
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

/** A button that posts a form of its own (the page's CSRF token, and any hidden fields) to `action`. */
export function PostButton(props: {
  action: string;
  csrf: string;
  label: string;
  fields?: Record<string, string>;
  children: Child;
}) {
  return (
    <form method="post" action={props.action}>
      <input type="hidden" name="_csrf" value={props.csrf} />
      {Object.entries(props.fields ?? {}).map(([name, value]) => (
        <input type="hidden" name={name} value={value} />
      ))}
      <button type="submit" aria-label={props.label}>
        {props.children}
      </button>
    </form>
  );
}

export function SignInPage(props: { next: string; error?: string | undefined; oidc: boolean; tokens?: boolean }) {
  return (
    <Layout title="Sign in">
      <section class="card narrow">
        <h1>Sign in</h1>
        {props.error ? (
          <p class="error" role="alert">
            {props.error}
          </p>
        ) : null}
        {props.tokens === false ? null : (
          <form method="post" action="/sign-in">
            <input type="hidden" name="next" value={props.next} />
            <label for="token">Your access token</label>
            <input id="token" name="token" type="password" autocomplete="current-password" required />
            <button type="submit">Sign in</button>
          </form>
        )}
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
    <input
      id={id}
      name={`params.${props.name}`}
      type="checkbox"
      value="true"
      checked={spec.default === 'true'}
      aria-describedby={describedBy}
    />
  ) : (
    <input
      id={id}
      name={`params.${props.name}`}
      type={spec.type === 'string' ? 'text' : 'number'}
      value={spec.default ?? ''}
      required={spec.required}
      {...(spec.pattern ? { pattern: spec.pattern, title: `The app's rule: ${spec.pattern}` } : {})}
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

function LaunchForm(props: { app: AppView }) {
  const { app } = props;
  const id = (k: string) => `f-${app.name}-${k}`;
  return (
    <form class="launch" data-app={app.name} aria-label={`Launch ${app.title ?? app.name}`}>
      {Object.entries(app.params).map(([name, spec]) => (
        <ParamField app={app.name} name={name} spec={spec} />
      ))}
      {app.profiles?.length ? (
        <div class="field">
          <label for={id('profile')}>Size</label>
          <select id={id('profile')} name="profile" aria-describedby={`${id('profile')}-err`}>
            <option value="">{`Default: ${app.resources.cpu} vCPU · ${mib(app.resources.memory)}`}</option>
            {app.profiles.map((p) => (
              <option
                value={p.name}
              >{`${p.title}: ${p.resources.cpu} vCPU · ${mib(p.resources.memory)}${p.resources.gpus ? ` · ${p.resources.gpus} GPU` : ''}`}</option>
            ))}
          </select>
          <small class="field-error" id={`${id('profile')}-err`} data-field="profile" role="alert" />
        </div>
      ) : null}
      <LaunchChoices app={app} />
      <details>
        <summary>Name and resources</summary>
        <div class="field">
          <label for={id('name')}>Session name</label>
          <input id={id('name')} name="name" type="text" maxlength={64} placeholder={app.name} />
          <small class="field-error" data-field="name" role="alert" />
        </div>
        {app.profilesOnly ? null : <ResourceFields app={app} />}
      </details>
      <p class="form-error" role="alert" />
      <button type="submit">Launch</button>
    </form>
  );
}

/** Raw resources within the app's limits (not offered when it takes profiles only). */
function ResourceFields(props: { app: AppView }) {
  const { app } = props;
  const id = (k: string) => `f-${app.name}-${k}`;
  return (
    <>
      <div class="field">
        <label for={id('cpu')}>vCPUs (at most {app.limits.cpu})</label>
        <input
          id={id('cpu')}
          name="resources.cpu"
          type="number"
          step="0.25"
          min="0.25"
          max={String(app.limits.cpu)}
          value={String(app.resources.cpu)}
        />
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
    </>
  );
}

/** One of eight colours per app name, so apps without an icon are told apart at a glance. */
const hueOf = (name: string) => [...name].reduce((h, c) => (h * 31 + c.charCodeAt(0)) % 8, 7);

export function Catalog(props: { apps: AppView[] }) {
  if (props.apps.length === 0) return <p class="empty">No apps are offered to you.</p>;
  return (
    <ul class="apps">
      {props.apps.map((app) => (
        <li class="card app">
          <div class="app-head">
            {app.icon ? (
              <img src={`/apps/${app.name}/icon`} alt="" width="40" height="40" />
            ) : (
              <span class={`icon-none hue-${hueOf(app.name)}`} aria-hidden="true">
                {app.name.slice(0, 1).toUpperCase()}
              </span>
            )}
            <h3>{app.title ?? app.name}</h3>
          </div>
          <p>{app.description ?? ''}</p>
          <p class="meta">
            {app.resources.cpu} vCPU · {mib(app.resources.memory)}
            {app.resources.gpus ? ` · ${app.resources.gpus} GPU` : ''} ·{' '}
            <a href={`/apps/${app.name}/`}>{`/apps/${app.name}/`}</a>
          </p>
          <LaunchForm app={app} />
        </li>
      ))}
    </ul>
  );
}
