import { Hono } from 'hono';
import { SessionNotFoundError } from '../../../shared/domain/errors';
import { isSessionId } from '../../../shared/domain/ids';
import type { Principal } from '../../../shared/domain/principal';
import type { Session } from '../../../shared/domain/session';
import { launchSession } from '../../../shared/services/launch';
import { stopSession } from '../../../shared/services/stop';
import type { ApiDeps, ApiEnv } from '../context';
import { LaunchBodySchema, ListQuerySchema } from '../schemas';
import { sessionView } from '../session-view';
import { check, jsonBody } from '../validate';

/** A session the caller may see: their own, or any for an admin. Otherwise: not found. */
export async function visibleSession(deps: ApiDeps, principal: Principal, id: string): Promise<Session> {
  // A malformed id never reaches the store.
  const session = isSessionId(id) ? await deps.store.get(id) : undefined;
  if (!session || (session.owner !== principal.user && !principal.admin)) throw new SessionNotFoundError(id);
  return session;
}

export function sessionRoutes(deps: ApiDeps): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>();

  app.post('/', async (c) => {
    const body = await jsonBody(c, LaunchBodySchema);
    const { session, token, secret } = await launchSession(deps, { owner: c.var.principal.user, ...body });
    c.header('location', `/sessions/${session.id}`);
    return c.json({ ...sessionView(session, deps.urls, token), token, secret }, 202);
  });

  app.get('/', async (c) => {
    const query = check(ListQuerySchema, c.req.query(), 'query');
    const page = await deps.store.listByOwner(c.var.principal.user, query);
    return c.json({ sessions: page.items.map((s) => sessionView(s, deps.urls)), ...(page.cursor ? { cursor: page.cursor } : {}) });
  });

  app.get('/:id', async (c) => {
    const session = await visibleSession(deps, c.var.principal, c.req.param('id'));
    return c.json(sessionView(session, deps.urls));
  });

  app.delete('/:id', async (c) => {
    const principal = c.var.principal;
    const session = await visibleSession(deps, principal, c.req.param('id'));
    const stopped = await stopSession(deps, session.id, session.owner === principal.user ? 'user' : 'admin');
    return c.json(sessionView(stopped, deps.urls), stopped.status === 'STOPPING' ? 202 : 200);
  });

  return app;
}
