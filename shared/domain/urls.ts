/** Where a session's app reports that it is busy (SESSION_ACTIVITY_URL): the API's `/sessions/{id}/activity`. */
export const activityUrlOf =
  (apiUrl: string | (() => string)) =>
  (sessionId: string): string =>
    `${(typeof apiUrl === 'string' ? apiUrl : apiUrl()).replace(/\/+$/, '')}/sessions/${sessionId}/activity`;

/** The trame image's launcher template (Kitware/trame docker/config/default-launcher.json). */
const TRAME_SESSION_URL_TEMPLATE = 'ws://USE_HOST/proxy?sessionId=${id}&path=ws';

export interface UrlSettings {
  /** The router's public base URL, e.g. `https://sessions.example.org` or `http://127.0.0.1:8080`. */
  publicUrl: string;
  /** TRAME_USE_HOST: replaces `USE_HOST`, or the whole `ws://USE_HOST` when it contains `://`. */
  useHost?: string | undefined;
  /** TRAME_URL_PREFIX: goes before `/proxy` when TRAME_USE_HOST is not set. */
  urlPrefix?: string | undefined;
  template?: string;
  /** Each session on its own host, `<id>.<sessionDomain>`; undefined: path mode, `/s/<id>/`. */
  sessionDomain?: string | undefined;
  /** Whether an app is served under its `/s/<id>/` prefix (stripPrefix: false) on its own host too. */
  keepsPrefix?: ((app: string) => boolean) | undefined;
  /** Whether an app is opened through the server's web client (`/<app>.html`) rather than at its session's address. */
  webClient?: ((app: string) => boolean) | undefined;
  /** Whether an app is opened with the thin bar on top (its session's `.sessionplane/bar` page). */
  bar?: ((app: string) => boolean) | undefined;
}

/**
 * Applies the trame image's `run.sh` rules to the sessionURL template, then fills in what the
 * browser would (`USE_HOST` → the router's host, `ws` → `wss` behind https) so curl users get a
 * usable URL too.
 */
function sessionUrlTemplate(settings: UrlSettings): string {
  const { publicUrl, useHost, urlPrefix, template } = settings;
  const last = lastTemplate;
  if (
    last?.publicUrl === publicUrl &&
    last.useHost === useHost &&
    last.urlPrefix === urlPrefix &&
    last.template === template
  )
    return last.url;
  const url = templateOf(settings);
  lastTemplate = { publicUrl, useHost, urlPrefix, template, url };
  return url;
}

/** The last settings' template: a list renders each of its sessions with the same settings. */
let lastTemplate: (Pick<UrlSettings, 'publicUrl' | 'useHost' | 'urlPrefix' | 'template'> & { url: string }) | undefined;

/** The router's public URL, parsed (the last one kept: it is the same for every session of a list). */
function routerOf(publicUrl: string): URL {
  if (lastRouter?.publicUrl !== publicUrl) lastRouter = { publicUrl, url: new URL(publicUrl) };
  return lastRouter.url;
}
let lastRouter: { publicUrl: string; url: URL } | undefined;

function templateOf(settings: UrlSettings): string {
  let url = settings.template ?? TRAME_SESSION_URL_TEMPLATE;
  if (settings.useHost) {
    url = settings.useHost.includes('://')
      ? url.split('ws://USE_HOST').join(settings.useHost)
      : url.split('USE_HOST').join(settings.useHost);
  } else if (settings.urlPrefix) {
    url = url.split('ws://USE_HOST/proxy').join(`ws://USE_HOST${settings.urlPrefix}/proxy`);
  }
  const router = routerOf(settings.publicUrl);
  url = url.split('USE_HOST').join(router.host);
  // A TRAME_USE_HOST with a scheme chose it; otherwise the page's scheme decides, as in the client.
  const schemeChosen = settings.useHost?.includes('://') ?? false;
  if (!schemeChosen && router.protocol === 'https:' && url.startsWith('ws://'))
    url = `wss://${url.slice('ws://'.length)}`;
  return url;
}

/** The WebSocket URL of one session; with `token`, the one only the owner is given. */
export function sessionUrl(settings: UrlSettings, id: string, token?: string): string {
  const url = sessionUrlTemplate(settings).split('${id}').join(id);
  if (!token) return url;
  return `${url}${url.includes('?') ? '&' : '?'}token=${token}`;
}

/** The origin a session's own host has: the router's scheme and port, host `<id>.<domain>`. */
export function sessionOrigin(settings: UrlSettings, id: string): string | undefined {
  if (!settings.sessionDomain) return undefined;
  const router = routerOf(settings.publicUrl);
  return `${router.protocol}//${id}.${settings.sessionDomain}${router.port ? `:${router.port}` : ''}`;
}

/**
 * The HTTP entry of one session, plus `?token=` for the owner: `<scheme>://<id>.<domain>/` with a
 * session domain (each session its own origin), else `<router>/s/<id>/`.
 */
export function connectUrl(settings: UrlSettings, id: string, token?: string, app?: string): string {
  const origin = sessionOrigin(settings, id);
  if (origin) {
    const path = app !== undefined && settings.keepsPrefix?.(app) ? sessionBasePath(id) : '/';
    return `${origin}${path}${token ? `?token=${token}` : ''}`;
  }
  const base = settings.publicUrl.replace(/\/+$/, '');
  const prefix = settings.useHost ? '' : (settings.urlPrefix ?? '').replace(/\/+$/, '');
  return `${base}${prefix}/s/${id}/${token ? `?token=${token}` : ''}`;
}

/**
 * Where a person opens a session of an app with a web client: its page on the server, naming the session (no token, no
 * secret: the page asks the launcher for them with the user's own credential).
 */
export function clientUrl(settings: UrlSettings, id: string, app: string): string | undefined {
  if (!settings.webClient?.(app)) return undefined;
  const base = settings.publicUrl.replace(/\/+$/, '');
  const prefix = settings.useHost ? '' : (settings.urlPrefix ?? '').replace(/\/+$/, '');
  return `${base}${prefix}/${app}.html?sessionId=${id}`;
}

/**
 * Where a person opens a session of an app with the thin bar: the router's bar page under the session's own address
 * (`.sessionplane/bar`), which frames the app; with `?token=` for the owner, as the connectURL.
 */
export function barUrl(settings: UrlSettings, id: string, app: string, token?: string): string | undefined {
  if (!settings.bar?.(app)) return undefined;
  const entry = new URL(connectUrl(settings, id, undefined, app));
  entry.pathname = `${entry.pathname.replace(/\/$/, '')}/.sessionplane/bar`;
  return `${entry.href}${token ? `?token=${token}` : ''}`;
}

/** The path prefix an app is served under, given to it as SESSION_BASE_PATH. */
export function sessionBasePath(id: string): string {
  return `/s/${id}/`;
}
