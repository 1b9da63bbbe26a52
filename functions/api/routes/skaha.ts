import { Hono, type Context } from 'hono';
import { isImageReference } from '../../../shared/domain/images';
import { DomainError, SessionNotFoundError, ValidationError } from '../../../shared/domain/errors';
import type { AppSpec } from '../../../shared/domain/app';
import { launchSession } from '../../../shared/services/launch';
import { renewSession } from '../../../shared/services/renew';
import { stopSession } from '../../../shared/services/stop';
import type { ApiDeps, ApiEnv, GroupMount } from '../context';
import { isStorableNumber } from '../schemas';
import { ownerView, visibleSession } from './session-access';
import { skahaEvents, skahaSession } from './skaha-view';

/** skaha reads parameters from the query string or a form body, a key possibly repeated (env). */
async function params(c: Context): Promise<URLSearchParams> {
  const merged = new URLSearchParams(new URL(c.req.url).search);
  const type = c.req.header('content-type') ?? '';
  if (c.req.method === 'POST' && type.startsWith('application/x-www-form-urlencoded')) {
    for (const [k, v] of new URLSearchParams(await c.req.text())) merged.append(k, v);
  }
  return merged;
}

function number(value: string | null, name: string, min: number): number | undefined {
  if (value === null) return undefined;
  const n = Number(value);
  if (!isStorableNumber(n) || n < min || !/^\d+(\.\d+)?$/.test(value)) throw new ValidationError(`Invalid value for '${name}': ${value.slice(0, 40)}`);
  return n;
}

/** The app a skaha launch names: `app=`, or the app whose image `image=` is (or one that takes any image). */
function appFor(deps: ApiDeps, p: URLSearchParams): { app: AppSpec; image?: string } {
  const byName = p.get('app');
  if (byName) {
    const app = deps.apps.get(byName);
    if (!app) throw new ValidationError(`app not found: ${byName.slice(0, 64)}`);
    return { app };
  }
  const image = p.get('image');
  if (!image) throw new ValidationError('missing required parameter: image (or app)');
  if (!isImageReference(image)) throw new ValidationError(`invalid image: ${image.slice(0, 200)}`);
  const same = deps.apps.list().find((a) => a.image === image);
  if (same) return { app: same };
  const type = p.get('type');
  const custom = deps.apps.list().find((a) => a.customImage && (!type || a.name === type));
  if (!custom) throw new ValidationError(`image not allowed: ${image.slice(0, 200)}`);
  return { app: custom, image };
}

/**
 * The skaha session API (CANFAR), at /skaha/v0 and /skaha/v1, for its curl users and its Python
 * client. Answers in skaha's own shapes: a text/plain id, JSON arrays with skaha's field names and
 * statuses, text/plain errors with skaha's codes (see app.onError). Commands come from the apps
 * file only: `cmd` and `args` are refused rather than run.
 */
function skahaRoutes(deps: ApiDeps): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>();
  const connectOf = (c: Context<ApiEnv>, s: Parameters<typeof ownerView>[2]) => ownerView(deps, c.var.principal, s).connectURL;

  app.post('/session', async (c) => {
    const p = await params(c);
    const name = p.get('name');
    if (!name || !/^[A-Za-z0-9-]{1,64}$/.test(name)) throw new ValidationError('name must match [A-Za-z0-9-]+ (at most 64)');
    if (p.has('cmd') || p.has('args')) throw new ValidationError('cmd and args are not supported: sessions run the command their app defines');
    const { app: spec, image } = appFor(deps, p);
    const env: Record<string, string> = {};
    for (const kv of p.getAll('env')) {
      const i = kv.indexOf('=');
      if (i < 1) throw new ValidationError(`Invalid value for 'env': ${kv.slice(0, 64)} (use env=KEY=VALUE)`);
      env[kv.slice(0, i)] = kv.slice(i + 1);
    }
    const cores = number(p.get('cores'), 'cores', 0.25);
    const ramGb = number(p.get('ram'), 'ram', 0.25);
    const gpus = number(p.get('gpus'), 'gpus', 0);
    const { session } = await launchSession(deps, {
      owner: c.var.principal.user,
      app: spec.name,
      name,
      params: env,
      image,
      resources: {
        ...(cores !== undefined ? { cpu: cores } : {}),
        ...(ramGb !== undefined ? { memory: Math.round(ramGb * 1024) } : {}),
        ...(gpus !== undefined ? { gpus } : {}),
      },
    });
    return c.text(`${session.id}\n`);
  });

  app.get('/session', async (c) => {
    const status = c.req.query('status');
    const page = await deps.store.listByOwner(c.var.principal.user, { limit: 100 });
    const views = page.items.map((s) => skahaSession(s, deps.apps.get(s.app), connectOf(c, s)));
    return c.json(status ? views.filter((v) => v.status === status) : views);
  });

  app.get('/session/:id', async (c) => {
    const session = await visibleSession(deps, c.var.principal, c.req.param('id'));
    const view = c.req.query('view');
    if (view === 'logs') return c.text((await deps.logs.tail(session, { maxBytes: 256 * 1024 })).lines.map((l) => `${l}\n`).join(''));
    if (view === 'events' || view === 'event') return c.text(skahaEvents(await deps.events.list(session.id)));
    return c.json(skahaSession(session, deps.apps.get(session.app), connectOf(c, session)));
  });

  app.post('/session/:id', async (c) => {
    const action = (await params(c)).get('action');
    if (!action) throw new ValidationError('Cannot modify an existing session');
    if (action !== 'renew') throw new ValidationError(`unrecognized action: ${action.slice(0, 40)}`);
    const session = await visibleSession(deps, c.var.principal, c.req.param('id'));
    if (session.status === 'STOPPED' || session.status === 'FAILED' || session.status === 'STOPPING')
      throw new ValidationError(`no active job for session ${session.id}`);
    await renewSession(deps, session, deps.policy.renewCeilingMs);
    return c.body(null, 200);
  });

  app.delete('/session/:id', async (c) => {
    // skaha answers 200 whatever it found; only the owner's (or an admin's) session is stopped.
    try {
      const session = await visibleSession(deps, c.var.principal, c.req.param('id'));
      await stopSession(deps, session.id, session.owner === c.var.principal.user ? 'user' : 'admin');
    } catch (error) {
      if (!(error instanceof SessionNotFoundError)) throw error;
    }
    return c.body(null, 200);
  });

  app.get('/context', (c) => {
    const { cpu, memory, gpus, sessions } = deps.policy.limits;
    const coreOptions = Array.from({ length: Math.max(1, Math.min(16, Math.floor(cpu))) }, (_, i) => i + 1);
    const memoryOptions = [1, 2, 4, 8, 16, 32, 64, 128, 192].filter((g) => g * 1024 <= memory);
    return c.json({
      cores: { default: Math.min(2, coreOptions.at(-1)!), defaultRequest: 1, defaultLimit: Math.min(8, coreOptions.at(-1)!), options: coreOptions },
      memoryGB: {
        default: Math.min(8, memoryOptions.at(-1) ?? 1),
        defaultRequest: Math.min(4, memoryOptions.at(-1) ?? 1),
        defaultLimit: Math.min(32, memoryOptions.at(-1) ?? 1),
        options: memoryOptions,
      },
      gpus: { options: Array.from({ length: gpus }, (_, i) => i + 1) },
      maxInteractiveSessions: sessions,
    });
  });

  app.get('/image', (c) => {
    const type = c.req.query('type');
    const images = deps.apps
      .list()
      .filter((a) => a.image)
      .map((a) => ({ id: a.image!, types: [a.name], digest: '' }));
    if (type && !deps.apps.get(type)) throw new DomainError('request.invalid', `unknown type: ${type.slice(0, 40)}`);
    return c.json(type ? images.filter((i) => i.types.includes(type)) : images);
  });

  return app;
}

/** The `skaha` group: skaha's API under both its versions. */
export const skahaGroup: GroupMount = (app, deps) => {
  app.route('/skaha/v0', skahaRoutes(deps));
  app.route('/skaha/v1', skahaRoutes(deps));
};
