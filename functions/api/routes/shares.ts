import { Hono } from 'hono';
import { grantShare, revokeShare } from '../../../shared/services/shares';
import { activeShares } from '../../../shared/domain/shares';
import type { ApiDeps, ApiEnv } from '../context';
import { ShareBodySchema } from '../schemas';
import { jsonBody } from '../validate';
import { shareView } from '../views/session';
import { authorizedSession } from '../../../shared/services/access';

/** GET /sessions/{id}/shares: whom the session is shared with (its owner and admins). */
export function shareReadRoutes(deps: ApiDeps): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>();
  app.get('/:id/shares', async (c) => {
    const { session } = await authorizedSession(deps, c.var.principal, 'share', c.req.param('id'));
    return c.json({ shares: activeShares(session, deps.clock.now()).map(shareView) });
  });
  return app;
}

/** POST /sessions/{id}/shares and DELETE /sessions/{id}/shares/{shareId}: grant and revoke (its owner and admins). */
export function shareWriteRoutes(deps: ApiDeps): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>();
  app.post('/:id/shares', async (c) => {
    const { session } = await authorizedSession(deps, c.var.principal, 'share', c.req.param('id'));
    const body = await jsonBody(c, ShareBodySchema);
    const expiresAt =
      body.expiresAt !== undefined
        ? Date.parse(body.expiresAt)
        : body.expiresInSeconds !== undefined
          ? deps.clock.now() + body.expiresInSeconds * 1000
          : undefined;
    const share = await grantShare(deps, session, {
      user: body.user,
      group: body.group,
      expiresAt,
      by: c.var.principal.user,
    });
    c.header('location', `/sessions/${session.id}/shares/${share.id}`);
    return c.json(shareView(share), 201);
  });
  app.delete('/:id/shares/:shareId', async (c) => {
    const { session } = await authorizedSession(deps, c.var.principal, 'share', c.req.param('id'));
    await revokeShare(deps, session, c.req.param('shareId'), c.var.principal.user);
    return c.body(null, 204);
  });
  return app;
}
