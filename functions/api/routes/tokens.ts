import { Hono } from 'hono';
import { CreateTokenSchema } from '../../../shared/domain/api-tokens';
import { createToken, listTokens, revokeToken } from '../../../shared/services/api-tokens';
import type { ApiDeps, ApiEnv } from '../context';
import { jsonBody } from '../validate';

/** GET /tokens: the caller's personal API tokens (names and dates; never a token). */
export function tokenReadRoutes(deps: ApiDeps): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>();
  app.get('/', async (c) => c.json({ tokens: await listTokens(deps, c.var.principal) }));
  return app;
}

/** POST /tokens (the token in this answer only) and DELETE /tokens/{id}: the caller's own. */
export function tokenWriteRoutes(deps: ApiDeps): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>();
  app.post('/', async (c) => {
    const made = await createToken(deps, c.var.principal, await jsonBody(c, CreateTokenSchema));
    c.header('location', `/tokens/${made.id}`);
    c.header('cache-control', 'no-store');
    return c.json(made, 201);
  });
  app.delete('/:id', async (c) => {
    await revokeToken(deps, c.var.principal, c.req.param('id'));
    return c.body(null, 204);
  });
  return app;
}
