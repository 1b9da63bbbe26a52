import { Hono, type Context } from 'hono';
import { type AppSpec, type SkahaType, skahaImageOf, skahaTypeOf } from '../../../shared/domain/app';
import { DomainError, SessionNotFoundError, ValidationError } from '../../../shared/domain/errors';
import { imageAllowed, isImageReference } from '../../../shared/domain/images';
import type { Principal } from '../../../shared/domain/principal';
import { isLive, type Session } from '../../../shared/domain/session';
import { splitArgs } from '../../../shared/domain/jobs';
import { launchSession } from '../../../shared/services/launch';
import { launchReplicas } from '../../../shared/services/replicas';
import type { SessionAction } from '../../../shared/domain/authorization';
import { authorizedSession, listOwn, stopAs } from '../../../shared/services/access';
import { renewSession } from '../../../shared/services/renew';
import type { ApiDeps, ApiEnv, GroupMount } from '../context';
import { logText } from '../views/common';
import { DurationSchema, LimitDurationSchema } from '../../../shared/config/duration';
import { check } from '../validate';
import { ownerView } from './session-access';
import {
  skahaCatalogRoutes,
  skahaOptions,
  skahaStats,
  skahaTypeParam,
  skahaVosiRoutes,
  visibleApps,
} from './skaha-catalog';
import { skahaEvents, skahaPublicSession, skahaSession, skahaStatus } from '../views/skaha';

/** How long a failed session stays in skaha's list (its Job's ttlSecondsAfterFinished). */
const FAILED_SHOWN_MS = 24 * 3600_000;

/** skaha reads parameters from the query string or a form body, a key possibly repeated (env). */
async function params(c: Context): Promise<URLSearchParams> {
  const merged = new URLSearchParams(new URL(c.req.url).search);
  const type = c.req.header('content-type') ?? '';
  if (c.req.method === 'POST' && type.startsWith('application/x-www-form-urlencoded')) {
    for (const [k, v] of new URLSearchParams(await c.req.text())) merged.append(k, v);
  }
  return merged;
}

/** A whole number among skaha's options for `name` (its /context), or skaha's 400. */
function option(value: string | null, name: string, options: number[]): number | undefined {
  if (value === null) return undefined;
  const n = /^\d{1,4}$/.test(value) ? Number(value) : Number.NaN;
  if (!options.includes(n)) throw new ValidationError(`Invalid value for '${name}': ${value.slice(0, 40)}`);
  return n;
}

/**
 * A limit a skaha create chooses (our addition; skaha has none): `idleTimeout=2h` (or `never`), `maxLifetime=8h`,
 * read as REST reads them and held to the app's bounds by the launch; skaha's 400 for a bad one.
 */
function chosenLimits(p: URLSearchParams): { idleTimeout?: number; maxLifetime?: number } {
  const idle = p.get('idleTimeout');
  const lifetime = p.get('maxLifetime');
  return {
    ...(idle !== null ? { idleTimeout: check(LimitDurationSchema, idle, "value for 'idleTimeout'") } : {}),
    ...(lifetime !== null ? { maxLifetime: check(DurationSchema, lifetime, "value for 'maxLifetime'") } : {}),
  };
}

/**
 * The app a skaha launch names: `image=` through the catalog (an app with that image id, of the
 * requested type if one is given; else, for an app that takes any image, one under the allowed
 * prefixes), or our `app=`.
 */
function appFor(
  deps: ApiDeps,
  principal: Principal,
  p: URLSearchParams,
  type: SkahaType | undefined,
): { app: AppSpec; image?: string } {
  const apps = visibleApps(deps, principal);
  const byName = p.get('app');
  const image = p.get('image');
  const typed = (apps: AppSpec[]) => apps.filter((a) => !type || skahaTypeOf(a) === type);
  if (byName !== null && image === null) {
    const app = apps.find((a) => a.name === byName);
    if (!app) throw new ValidationError(`app not found: ${byName.slice(0, 64)}`);
    if (!typed([app]).length)
      throw new ValidationError(`image/type mismatch: ${skahaImageOf(app) ?? app.name}/${type}`);
    return { app };
  }
  if (image === null) throw new ValidationError("Missing parameter 'image'");
  const same = apps.filter((a) => skahaImageOf(a) === image);
  const chosen = typed(same)[0];
  if (chosen) return { app: chosen };
  if (same.length) throw new ValidationError(`image/type mismatch: ${image.slice(0, 200)}/${type}`);
  const custom =
    isImageReference(image) && imageAllowed(image, deps.policy.imagePrefixes)
      ? typed(apps.filter((a) => a.customImage))[0]
      : undefined;
  if (!custom) throw new ValidationError('image not in a trusted repository');
  return { app: custom, image };
}

/** What an env entry's name may be: a POSIX environment variable's. */
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;
const RESERVED_NAMES = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * Whether skaha still shows a session: not stopped, not deleted (its stop asked); a failure or a finished job for a
 * day (its Job's ttlSecondsAfterFinished).
 */
function shown(session: Session, now: number): boolean {
  if (session.status === 'STOPPED') return false;
  if (session.status === 'STOPPING') return !['user', 'admin'].includes(session.statusReason?.split(':')[0] ?? '');
  if (session.status === 'FAILED' || session.status === 'COMPLETED')
    return now - (session.stoppedAt ?? session.createdAt) < FAILED_SHOWN_MS;
  return true;
}

/**
 * The skaha session API (CANFAR), at /skaha/v1 (and /skaha/v0, the prefix before skaha's v1), for
 * its curl users and its Python client. Answers in skaha's shapes and words: a text/plain id, JSON
 * arrays with skaha's field names, types and statuses, text/plain errors with skaha's codes (see
 * app.onError). `cmd` and `args` run where the app's `userCommand` allows them, as it says; elsewhere skaha's 400.
 */
// Over 60 lines: skaha's route table, one short handler per route of its API.
function skahaRoutes(deps: ApiDeps): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>();
  const connectOf = (c: Context<ApiEnv>, s: Session) => ownerView(deps, c.var.principal, s).connectURL;
  const notFound = (id: string) => new DomainError('session.not_found', `session ${id.slice(0, 64)} not found.`);
  /**
   * The caller's session as skaha shows it, if they may take `action` on it; or skaha's 404 (or 403 for a grantee's
   * control).
   */
  const shownSession = async (c: Context<ApiEnv>, id: string, action: SessionAction) => {
    try {
      const { session } = await authorizedSession(deps, c.var.principal, action, id);
      if (shown(session, deps.clock.now())) return session;
    } catch (error) {
      if (!(error instanceof SessionNotFoundError)) throw error;
    }
    throw notFound(id);
  };
  const typeOf = (s: Session) => {
    const spec = deps.apps.get(s.app);
    return spec ? skahaTypeOf(spec) : 'contributed';
  };

  app.post('/session', async (c) => {
    const p = await params(c);
    const type = skahaTypeParam(p.get('type'));
    const { app: spec, image } = appFor(deps, c.var.principal, p, type);
    const name = p.get('name');
    if (name === null) throw new ValidationError("Missing parameter 'name'");
    if (!/^[A-Za-z0-9-]+$/.test(name)) throw new ValidationError("name can only contain alpha-numeric chars and '-'");
    if (name.length > 64) throw new ValidationError('name can be at most 64 characters');
    const entries: [string, string][] = [];
    for (const kv of p.getAll('env')) {
      const i = kv.indexOf('=');
      if (i < 1) throw new ValidationError(`Invalid value for 'env': ${kv.slice(0, 64)} (use env=KEY=VALUE)`);
      const key = kv.slice(0, i);
      // An environment variable's name; `__proto__` and its kin were dropped without a word (#33).
      if (!ENV_NAME.test(key) || RESERVED_NAMES.has(key))
        throw new ValidationError(`Invalid env name '${key.slice(0, 64)}': use letters, digits and _`);
      entries.push([key, kv.slice(i + 1)]);
    }
    const env = Object.fromEntries(entries);
    // skaha's options (its /context); given, a request is fixed at that size; omitted, the app's default.
    const options = skahaOptions(deps, c.var.principal);
    const cores = option(p.get('cores'), 'cores', options.cores);
    const ram = option(p.get('ram'), 'ram', options.ram);
    const gpus = option(p.get('gpus'), 'gpus', options.gpus);
    const profile = p.get('profile') ?? undefined;
    const input = {
      owner: c.var.principal.user,
      caller: c.var.principal,
      profile,
      app: spec.name,
      name,
      params: env,
      image,
      // skaha's: a program instead of the image's command, and its arguments split on spaces; each checked against
      // the app's `userCommand` rules, run without a shell.
      cmd: p.get('cmd') ?? undefined,
      args: splitArgs(p.get('args') ?? undefined),
      ...chosenLimits(p),
      resources: {
        ...(cores !== undefined ? { cpu: cores } : {}),
        ...(ram !== undefined ? { memory: ram * 1024 } : {}),
        ...(gpus !== undefined ? { gpus } : {}),
      },
    };
    // `replicas=N` in one create (the canfar client does N creates itself): a job's group, one id a line.
    const replicas = p.get('replicas');
    if (replicas !== null && replicas !== '1') {
      if (!/^\d{1,3}$/.test(replicas))
        throw new ValidationError(`Invalid value for 'replicas': ${replicas.slice(0, 16)}`);
      const { launched } = await launchReplicas(deps, input, Number(replicas));
      return c.text(launched.map((r) => `${r.session.id}\n`).join(''));
    }
    const { session } = await launchSession(deps, input);
    return c.text(`${session.id}\n`);
  });

  app.get('/session', async (c) => {
    const view = c.req.query('view');
    if (view === 'stats') return c.json(await skahaStats(deps));
    const type = skahaTypeParam(c.req.query('type'));
    const status = c.req.query('status');
    const now = deps.clock.now();
    const keep = (s: Session) =>
      shown(s, now) &&
      (type ? typeOf(s) === type : typeOf(s) !== 'desktop-app') &&
      (view !== 'interactive' || typeOf(s) !== 'headless') &&
      (!status || skahaStatus(s) === status);
    if (view === 'all') {
      // Everyone's sessions, as skaha shows them to everyone: who, what kind, its status, since when.
      const all: Session[] = [];
      for await (const s of deps.store.listLive()) if (keep(s)) all.push(s);
      return c.json(all.map((s) => skahaPublicSession(s, deps.apps.get(s.app))));
    }
    const mine: Session[] = [];
    let cursor: string | undefined;
    for (let pages = 0; pages < 10; pages++) {
      const page = await listOwn(deps, c.var.principal.user, { limit: 100, ...(cursor ? { cursor } : {}) });
      mine.push(...page.items.filter(keep));
      cursor = page.cursor;
      if (!cursor) break;
    }
    return c.json(mine.map((s) => skahaSession(s, deps.apps.get(s.app), connectOf(c, s))));
  });

  app.get('/session/:id', async (c) => {
    const view = c.req.query('view');
    const action = view === 'logs' ? 'logs' : view === 'events' || view === 'event' ? 'events' : 'read';
    const session = await shownSession(c, c.req.param('id'), action);
    // The app's own output, as the container wrote it (the stored lines carry a time first).
    if (view === 'logs')
      return c.text(
        (await deps.logs.tail(session, { maxBytes: 256 * 1024 })).lines.map((l) => `${logText(l)}\n`).join(''),
      );
    if (view === 'events' || view === 'event') return c.text(skahaEvents(await deps.events.list(session.id)));
    return c.json(skahaSession(session, deps.apps.get(session.app), connectOf(c, session)));
  });

  app.post('/session/:id', async (c) => {
    const action = (await params(c)).get('action');
    if (!action) throw new ValidationError('Cannot modify an existing session');
    if (action.toLowerCase() !== 'renew') throw new ValidationError('unrecognized action');
    const id = c.req.param('id');
    const noJob = () =>
      new ValidationError(`No active job for user ${c.var.principal.user} with session ${id.slice(0, 64)}`);
    const session = await shownSession(c, id, 'renew').catch((error: unknown) => {
      throw error instanceof DomainError && error.code === 'session.not_found' ? noJob() : error;
    });
    if (!isLive(session.status) || session.status === 'STOPPING') throw noJob();
    // Authorized for renew above (shownSession): renewed as it was read, not looked up again.
    await renewSession(deps, session, deps.policy.renewCeilingMs);
    return c.body(null, 200);
  });

  app.delete('/session', () => {
    throw new ValidationError('Cannot kill all sessions.');
  });
  app.delete('/session/:id', async (c) => {
    // skaha answers 200 whatever it found; only the owner's (or an admin's) session is stopped, and a
    // grantee who asks is refused (403), never obeyed.
    try {
      await stopAs(deps, c.var.principal, c.req.param('id'));
    } catch (error) {
      if (!(error instanceof SessionNotFoundError)) throw error;
    }
    return c.body(null, 200);
  });

  skahaCatalogRoutes(app, deps);
  return app;
}

/**
 * The `skaha` group: skaha's API at /skaha/v1, and at /skaha/v0 as an alias (skaha's prefix until
 * 2025); its VOSI documents, which need no credential, before authentication.
 */
export const skahaGroup: GroupMount = Object.assign(
  (app: Hono<ApiEnv>, deps: ApiDeps) => {
    app.route('/skaha/v0', skahaRoutes(deps));
    app.route('/skaha/v1', skahaRoutes(deps));
  },
  { publicRoutes: skahaVosiRoutes },
);
