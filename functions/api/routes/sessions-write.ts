import { Hono } from 'hono';
import { launchSession } from '../../../shared/services/launch';
import { renewAs, stopAs } from '../../../shared/services/access';
import { requestHash } from '../canonical-json';
import type { ApiDeps, ApiEnv, GroupMount } from '../context';
import { IdempotencyKeySchema, LaunchBodySchema } from '../schemas';
import { sessionView } from '../views/session';
import { check, jsonBody } from '../validate';
import { ownerView } from './session-access';
import { poolWriteRoutes } from './pools';
import { shareWriteRoutes } from './shares';

/** POST /sessions, POST /sessions/{id}/renew, DELETE /sessions/{id}: the write Lambda's routes. */
function sessionWriteRoutes(deps: ApiDeps): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>();

  app.post('/', async (c) => {
    const body = await jsonBody(c, LaunchBodySchema);
    const rawKey = c.req.header('idempotency-key');
    const key = rawKey === undefined ? undefined : check(IdempotencyKeySchema, rawKey, 'header');
    const principal = c.var.principal;
    const result = await launchSession(deps, {
      owner: principal.user,
      caller: principal,
      ...body,
      idempotency: key === undefined ? undefined : { key, requestHash: requestHash(body) },
    });
    c.header('location', `/sessions/${result.session.id}`);
    if (result.replayed) c.header('idempotent-replayed', 'true');
    return c.json({ ...ownerView(deps, principal, result.session), pooled: result.pooled ?? false }, 202);
  });

  // skaha's renew: a later expiry, up to the configured ceiling.
  app.post('/:id/renew', async (c) => {
    const renewed = await renewAs(deps, c.var.principal, c.req.param('id'), deps.policy.renewCeilingMs);
    return c.json(ownerView(deps, c.var.principal, renewed));
  });

  app.delete('/:id', async (c) => {
    const stopped = await stopAs(deps, c.var.principal, c.req.param('id'));
    return c.json(sessionView(stopped, deps.urls), stopped.status === 'STOPPING' ? 202 : 200);
  });

  return app;
}

/** The `write` group. */
export const writeGroup: GroupMount = (app, deps) => {
  app.route('/sessions', sessionWriteRoutes(deps));
  app.route('/sessions', shareWriteRoutes(deps));
  app.route('/pools', poolWriteRoutes(deps));
};
