import { cpus, totalmem } from 'node:os';
import type { Hono } from 'hono';
import { mayUse, profilesFor } from '../../../shared/domain/app-access';
import { type AppSpec, SKAHA_TYPES, type SkahaType, skahaImageOf, skahaTypeOf } from '../../../shared/domain/app';
import type { Principal } from '../../../shared/domain/principal';
import { DomainError, ValidationError } from '../../../shared/domain/errors';
import type { Session } from '../../../shared/domain/session';
import type { ApiDeps, ApiEnv } from '../context';
import { skahaRam } from '../views/skaha';

/** skaha's memory options, in GB (helm's k8s-resources.json). */
const RAM_OPTIONS = [1, 2, 4, 8, 16, 32, 64, 128, 192, 256, 384, 512];

/** The apps `principal` may launch: an app closed to them is not in any list of theirs. */
export function visibleApps(deps: Pick<ApiDeps, 'apps'>, principal: Principal): AppSpec[] {
  return deps.apps.list().filter((a) => mayUse(a.access, principal));
}

/** The apps skaha's clients launch by image (those with an image id), or every app when none has one. */
function skahaApps(deps: Pick<ApiDeps, 'apps'>, principal: Principal): AppSpec[] {
  const all = visibleApps(deps, principal);
  const withImage = all.filter((a) => skahaImageOf(a));
  return withImage.length ? withImage : all;
}

export interface SkahaContext {
  cores: number[];
  ram: number[];
  gpus: number[];
}

/**
 * What `/context` offers: the cores, GB and GPUs that every app skaha can launch takes within its
 * limits and the user's caps, so that nothing offered is refused (skaha offers a cluster's
 * options; here an app's limits bound them).
 */
export function skahaOptions(deps: Pick<ApiDeps, 'apps' | 'policy'>, principal: Principal): SkahaContext {
  const apps = skahaApps(deps, principal);
  const caps = deps.policy.limits;
  const least = (pick: (a: AppSpec) => number, cap: number) => Math.min(cap, ...apps.map(pick));
  const cores = Math.floor(least((a) => a.limits.cpu, caps.cpu));
  const gb = least((a) => a.limits.memory, caps.memory) / 1024;
  const gpus = Math.floor(least((a) => a.limits.gpus, caps.gpus));
  return {
    cores: Array.from({ length: Math.max(0, cores) }, (_, i) => i + 1),
    ram: RAM_OPTIONS.filter((g) => g <= gb),
    gpus: Array.from({ length: Math.max(0, gpus) }, (_, i) => i + 1),
  };
}

/** A skaha type from `?type=`, or a 400 in skaha's words. */
export function skahaTypeParam(type: string | null | undefined): SkahaType | undefined {
  if (type === null || type === undefined) return undefined;
  if (!(SKAHA_TYPES as readonly string[]).includes(type))
    throw new ValidationError(`Illegal session type: ${type.slice(0, 40)}`);
  return type as SkahaType;
}

const near = (options: number[], want: number) => options.filter((o) => o <= want).at(-1) ?? options[0] ?? 0;

/** GET /context, /image, /repository (skaha's catalog), under a version prefix. */
export function skahaCatalogRoutes(app: Hono<ApiEnv>, deps: ApiDeps): void {
  app.get('/context', (c) => {
    const { cores, ram, gpus } = skahaOptions(deps, c.var.principal);
    // Ours beside skaha's: the named sizes this user may choose, per app (launch with `profile=`).
    const profiles = visibleApps(deps, c.var.principal).flatMap((a) =>
      profilesFor(a, c.var.principal).map((p) => ({
        app: a.name,
        name: p.name,
        cores: p.resources.cpu,
        memoryGB: p.resources.memory / 1024,
        gpus: p.resources.gpus,
        ...(p.capacity ? { capacity: p.capacity } : {}),
      })),
    );
    return c.json({
      ...(profiles.length ? { profiles } : {}),
      cores: { default: near(cores, 2), defaultRequest: near(cores, 1), defaultLimit: near(cores, 8), options: cores },
      memoryGB: { default: near(ram, 8), defaultRequest: near(ram, 4), defaultLimit: near(ram, 32), options: ram },
      gpus: { options: gpus },
      maxInteractiveSessions: deps.policy.limits.sessions,
    });
  });

  // Each image id once, with the skaha types of the apps it launches.
  app.get('/image', (c) => {
    const type = skahaTypeParam(c.req.query('type'));
    const byId = new Map<string, Set<SkahaType>>();
    for (const a of visibleApps(deps, c.var.principal)) {
      const id = skahaImageOf(a);
      if (id) byId.set(id, (byId.get(id) ?? new Set()).add(skahaTypeOf(a)));
    }
    const images = [...byId].map(([id, types]) => ({ id, types: [...types], digest: '' }));
    return c.json(type ? images.filter((i) => i.types.includes(type)) : images);
  });

  // The registry hosts images may come from: the apps' own and the allowed prefixes'.
  app.get('/repository', (c) => {
    const ids = [
      ...visibleApps(deps, c.var.principal).flatMap((a) => skahaImageOf(a) ?? []),
      ...deps.policy.imagePrefixes,
    ];
    const hosts = new Set(
      ids.map((id) => id.split('/')[0]!).filter((h) => h.includes('.') || h.includes(':') || h === 'localhost'),
    );
    return c.json([...hosts]);
  });
}

/** `?view=stats`: sessions by kind from the live index, cores and RAM against the runtime's capacity. */
export async function skahaStats(deps: ApiDeps) {
  const capacity = deps.capacity?.();
  if (!capacity) throw new DomainError('runtime.unavailable', 'failed to gather resource statistics');
  const live: Session[] = [];
  for await (const s of deps.store.listLive()) live.push(s);
  const running = live.filter((s) => s.status === 'READY');
  const typeOf = (s: Session) => {
    const app = deps.apps.get(s.app);
    return app ? skahaTypeOf(app) : 'contributed';
  };
  const headless = running.filter((s) => typeOf(s) === 'headless').length;
  const desktopApp = running.filter((s) => typeOf(s) === 'desktop-app').length;
  const gb = (mib: number) => `${Number(skahaRam(mib))}G`;
  return {
    instances: { session: running.length - headless - desktopApp, desktopApp, headless, total: running.length },
    cores: {
      requestedCPUCores: running.reduce((n, s) => n + s.resources.cpu, 0),
      cpuCoresAvailable: capacity.cpu,
      maxCPUCores: { cpuCores: capacity.cpu, withRam: gb(capacity.memory) },
    },
    ram: {
      requestedRAM: gb(running.reduce((n, s) => n + s.resources.memory, 0)),
      ramAvailable: gb(capacity.memory),
      maxRAM: { ram: gb(capacity.memory), withCPUCores: capacity.cpu },
    },
  };
}

/** One machine's capacity: its cores and memory (MiB). */
export const hostCapacity = () => ({ cpu: cpus().length, memory: Math.floor(totalmem() / 1024 / 1024) });

/** VOSI's documents (skaha's /skaha/capabilities and /skaha/availability): public, as every VOSI endpoint is. */
export function skahaVosiRoutes(app: Hono<ApiEnv>, deps: Pick<ApiDeps, 'store'>): void {
  const xml = (body: string) => `<?xml version="1.0" encoding="UTF-8"?>\n${body}\n`;
  const iface = (url: string, use: 'full' | 'base', secured: boolean) =>
    `    <interface xsi:type="vs:ParamHTTP" role="std"${secured ? ' version="1.0"' : ''}>\n      <accessURL use="${use}">${url}</accessURL>${secured ? '\n      <securityMethod standardID="ivo://ivoa.net/sso#token"/>' : ''}\n    </interface>`;
  const capability = (id: string, body: string) => `  <capability standardID="${id}">\n${body}\n  </capability>`;
  app.get('/skaha/capabilities', (c) => {
    const base = `${new URL(c.req.url).origin}/skaha`;
    const doc = [
      '<vosi:capabilities xmlns:vosi="http://www.ivoa.net/xml/VOSICapabilities/v1.0" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:vs="http://www.ivoa.net/xml/VODataService/v1.1">',
      capability('ivo://ivoa.net/std/VOSI#capabilities', iface(`${base}/capabilities`, 'full', false)),
      capability('ivo://ivoa.net/std/VOSI#availability', iface(`${base}/availability`, 'full', false)),
      capability('vos://cadc.nrc.ca~vospace/CADC/std/Proc#sessions-1.0', iface(`${base}/v0`, 'base', true)),
      ...['session', 'context', 'image', 'repository'].map((part) =>
        capability(`http://www.opencadc.org/std/platform#${part}-1`, iface(`${base}/v1/${part}`, 'base', true)),
      ),
      '</vosi:capabilities>',
    ].join('\n');
    return c.body(xml(doc), 200, { 'content-type': 'text/xml' });
  });
  // Available when the session store answers (a read of an id no session has).
  app.get('/skaha/availability', async (c) => {
    const up = await deps.store.get('0'.repeat(32)).then(
      () => true,
      () => false,
    );
    const note = up ? 'service is accepting requests' : 'the session store does not answer';
    return c.body(
      xml(
        `<vosi:availability xmlns:vosi="http://www.ivoa.net/xml/VOSIAvailability/v1.0">\n  <vosi:available>${up}</vosi:available>\n  <vosi:note>${note}</vosi:note>\n</vosi:availability>`,
      ),
      200,
      { 'content-type': 'text/xml' },
    );
  });
}
