import { Hono } from 'hono';
import { DomainError } from '../../../shared/domain/errors';
import type { PoolView } from '../../../shared/services/pools/pool-admin';
import { pausePool, poolViews, recyclePool, resumePool } from '../../../shared/services/pools/pool-admin';
import type { ApiDeps, ApiEnv } from '../context';

const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());
const clock = (minutes: number) =>
  `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;

function adminsOnly(c: { var: { principal: { admin?: boolean } } }): void {
  if (!c.var.principal.admin) throw new DomainError('auth.forbidden', 'Only admins may see or change the pools.');
}

/** A pool as GET /pools shows it (the portal's admin page renders it). */
export type PoolJson = ReturnType<typeof poolJson>;

function poolJson(view: PoolView) {
  const { status, spec } = view;
  return {
    app: view.app,
    min: spec.min,
    max: spec.max,
    ttlSeconds: spec.ttlMs / 1000,
    schedule: spec.schedule.map((w) => ({ from: clock(w.from), to: clock(w.to), min: w.min })),
    target: view.target,
    ready: view.ready,
    starting: view.starting,
    claimed: view.claimed,
    hits: status.hits,
    misses: status.misses,
    paused: status.paused !== undefined,
    ...(status.paused
      ? { pausedBy: status.paused.by, pausedAt: iso(status.paused.at), pausedReason: status.paused.reason }
      : {}),
    failures: status.failures,
    ...(status.nextStartAt !== undefined ? { nextStartAt: iso(status.nextStartAt) } : {}),
    ...(status.lastError ? { lastError: status.lastError } : {}),
    events: view.events.map((e) => ({ at: iso(e.at), phase: e.phase, message: e.message })),
  };
}

/** GET /pools: every app's warm pool (admins). */
export function poolReadRoutes(deps: ApiDeps): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>();
  app.get('/', async (c) => {
    adminsOnly(c);
    return c.json({ pools: (await poolViews(deps)).map(poolJson) });
  });
  return app;
}

/** POST /pools/{app}/pause|resume|recycle (admins): each answers with the pool as it is now. */
export function poolWriteRoutes(deps: ApiDeps): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>();
  const answer = async (name: string) => {
    const view = (await poolViews(deps)).find((v) => v.app === name);
    return view && poolJson(view);
  };
  app.post('/:app/pause', async (c) => {
    adminsOnly(c);
    await pausePool(deps, c.req.param('app'), c.var.principal.user);
    return c.json(await answer(c.req.param('app')));
  });
  app.post('/:app/resume', async (c) => {
    adminsOnly(c);
    await resumePool(deps, c.req.param('app'), c.var.principal.user);
    return c.json(await answer(c.req.param('app')));
  });
  app.post('/:app/recycle', async (c) => {
    adminsOnly(c);
    await recyclePool(deps, c.req.param('app'));
    return c.json(await answer(c.req.param('app')));
  });
  return app;
}
