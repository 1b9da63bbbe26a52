import { Hono } from 'hono';
import { DomainError } from '../../../shared/domain/errors';
import type { ApiDeps, ApiEnv } from '../context';
import { homeView } from '../views/home';

/** GET /homes: every user's home with its owner (and, on one machine, its size): admins only. */
export function homeRoutes(deps: ApiDeps): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>();
  app.get('/', async (c) => {
    if (!c.var.principal.admin) throw new DomainError('auth.forbidden', 'Only admins may list homes.');
    const homes = deps.homes ? await deps.homes.list() : [];
    return c.json({ homes: homes.map(homeView) });
  });
  return app;
}
