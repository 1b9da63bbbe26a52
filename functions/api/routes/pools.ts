import { Hono } from 'hono';
import { DomainError } from '../../../shared/domain/errors';
import { pausePool, poolViews, recyclePool, resumePool } from '../../../shared/services/pools/pool-admin';
import type { ApiDeps, ApiEnv } from '../context';
import { PoolPauseSchema } from '../schemas';
import { check, parseJson } from '../validate';
import { poolView } from '../views/pool';

function adminsOnly(c: { var: { principal: { admin?: boolean } } }): void {
  if (!c.var.principal.admin) throw new DomainError('auth.forbidden', 'Only admins may see or change the pools.');
}

/** GET /pools: every app's warm pool (admins). */
export function poolReadRoutes(deps: ApiDeps): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>();
  app.get('/', async (c) => {
    adminsOnly(c);
    return c.json({ pools: (await poolViews(deps)).map(poolView) });
  });
  return app;
}

/** POST /pools/{app}/pause|resume|recycle (admins): each answers with the pool as it is now. */
export function poolWriteRoutes(deps: ApiDeps): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>();
  const answer = async (name: string) => {
    const view = (await poolViews(deps)).find((v) => v.app === name);
    return view && poolView(view);
  };
  // A reason may be given (`{"reason": "…"}`): it is kept with the pause and shown where the pool is.
  app.post('/:app/pause', async (c) => {
    adminsOnly(c);
    const text = await c.req.text();
    const { reason } = text.trim() ? check(PoolPauseSchema, parseJson(text), 'request body') : { reason: undefined };
    await pausePool(deps, c.req.param('app'), c.var.principal.user, reason);
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
