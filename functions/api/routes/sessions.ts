import { Hono } from 'hono';
import { DomainError, SessionNotFoundError } from '../../../shared/domain/errors';
import { isSessionId } from '../../../shared/domain/ids';
import type { Principal } from '../../../shared/domain/principal';
import type { Session } from '../../../shared/domain/session';
import { sessionCredentials } from '../../../shared/services/credentials';
import { launchSession } from '../../../shared/services/launch';
import { stopSession } from '../../../shared/services/stop';
import { requestHash } from '../canonical-json';
import type { ApiDeps, ApiEnv } from '../context';
import { IdempotencyKeySchema, LaunchBodySchema, ListQuerySchema } from '../schemas';
import { sessionView } from '../session-view';
import { check, jsonBody } from '../validate';

/** A session the caller may see: their own, or any for an admin. Otherwise: not found. */
export async function visibleSession(deps: ApiDeps, principal: Principal, id: string): Promise<Session> {
  // A malformed id never reaches the store.
  const session = isSessionId(id) ? await deps.store.get(id) : undefined;
  if (!session || (session.owner !== principal.user && !principal.admin)) throw new SessionNotFoundError(id);
  return session;
}

/** The owner sees their session with its working URLs and credentials; an admin without them. */
export function ownerView(deps: ApiDeps, principal: Principal, session: Session) {
  if (session.owner !== principal.user) return sessionView(session, deps.urls);
  const { token, secret } = sessionCredentials(deps, session.id);
  return { ...sessionView(session, deps.urls, token), token, secret };
}

async function allLive(deps: ApiDeps, limit: number): Promise<Session[]> {
  const found: Session[] = [];
  for await (const s of deps.store.listLive()) {
    found.push(s);
    if (found.length >= limit) break;
  }
  return found.sort((a, b) => b.createdAt - a.createdAt);
}

export function sessionRoutes(deps: ApiDeps): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>();

  app.post('/', async (c) => {
    const body = await jsonBody(c, LaunchBodySchema);
    const rawKey = c.req.header('idempotency-key');
    const key = rawKey === undefined ? undefined : check(IdempotencyKeySchema, rawKey, 'header');
    const principal = c.var.principal;
    const result = await launchSession(deps, {
      owner: principal.user,
      ...body,
      idempotency: key === undefined ? undefined : { key, requestHash: requestHash(body) },
    });
    c.header('location', `/sessions/${result.session.id}`);
    if (result.replayed) c.header('idempotent-replayed', 'true');
    return c.json(ownerView(deps, principal, result.session), 202);
  });

  app.get('/', async (c) => {
    const query = check(ListQuerySchema, c.req.query(), 'query');
    if (query.all) {
      if (!c.var.principal.admin) throw new DomainError('auth.forbidden', 'Only admins may list every session.');
      const sessions = await allLive(deps, query.limit ?? 1000);
      return c.json({ sessions: sessions.map((s) => sessionView(s, deps.urls)) });
    }
    const page = await deps.store.listByOwner(c.var.principal.user, query);
    return c.json({ sessions: page.items.map((s) => sessionView(s, deps.urls)), ...(page.cursor ? { cursor: page.cursor } : {}) });
  });

  app.get('/:id', async (c) => {
    const session = await visibleSession(deps, c.var.principal, c.req.param('id'));
    return c.json(ownerView(deps, c.var.principal, session));
  });

  app.delete('/:id', async (c) => {
    const principal = c.var.principal;
    const session = await visibleSession(deps, principal, c.req.param('id'));
    const stopped = await stopSession(deps, session.id, session.owner === principal.user ? 'user' : 'admin');
    return c.json(sessionView(stopped, deps.urls), stopped.status === 'STOPPING' ? 202 : 200);
  });

  return app;
}
