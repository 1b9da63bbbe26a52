import { homeFileRoutes } from './home-files';
import { tokenWriteRoutes } from './tokens';
import { Hono } from 'hono';
import { SessionNotFoundError } from '../../../shared/domain/errors';
import { reportActivity } from '../../../shared/services/activity';
import { addressRateLimit } from '../rate-limit';
import { launchSession } from '../../../shared/services/launch';
import { launchReplicas, stopGroup } from '../../../shared/services/replicas';
import { chooseLimitsAs, renewAs, stopAs } from '../../../shared/services/access';
import { requestHash } from '../canonical-json';
import type { ApiDeps, ApiEnv, GroupMount } from '../context';
import { IdempotencyKeySchema, LaunchBodySchema, SessionPatchSchema } from '../schemas';
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
    const { replicas, ...launch } = body;
    const input = {
      owner: principal.user,
      caller: principal,
      ...launch,
      idempotency: key === undefined ? undefined : { key, requestHash: requestHash(body) },
    };
    if (replicas !== undefined) {
      // A group: its id, and each member as its launch answered (the replies' Location is the group's list).
      const { group, launched } = await launchReplicas(deps, input, replicas);
      c.header('location', `/sessions?group=${group}`);
      return c.json(
        { group, sessions: launched.map((r) => ({ ...ownerView(deps, principal, r.session), pooled: false })) },
        202,
      );
    }
    const result = await launchSession(deps, input);
    c.header('location', `/sessions/${result.session.id}`);
    if (result.replayed) c.header('idempotent-replayed', 'true');
    return c.json({ ...ownerView(deps, principal, result.session), pooled: result.pooled ?? false }, 202);
  });

  // skaha's renew: a later expiry, up to the configured ceiling.
  app.post('/:id/renew', async (c) => {
    const renewed = await renewAs(deps, c.var.principal, c.req.param('id'), deps.policy.renewCeilingMs);
    return c.json(ownerView(deps, c.var.principal, renewed));
  });

  // A replica group's live members, stopped as one (each as DELETE /sessions/{id} would).
  app.delete('/groups/:group', async (c) => {
    const group = c.req.param('group');
    if (!/^[0-9a-f]{16}$/.test(group)) throw new SessionNotFoundError(group);
    const members = await stopGroup(deps, c.var.principal, group);
    if (!members.length) throw new SessionNotFoundError(group);
    return c.json({ group, sessions: members.map((s) => sessionView(s, deps.urls)) });
  });

  // Its owner's choices while it runs: the idle timeout and the lifetime, within its app's bounds.
  app.patch('/:id', async (c) => {
    const body = await jsonBody(c, SessionPatchSchema);
    const changed = await chooseLimitsAs(deps, c.var.principal, c.req.param('id'), body);
    return c.json(ownerView(deps, c.var.principal, changed));
  });

  app.delete('/:id', async (c) => {
    const stopped = await stopAs(deps, c.var.principal, c.req.param('id'));
    return c.json(sessionView(stopped, deps.urls), stopped.status === 'STOPPING' ? 202 : 200);
  });

  return app;
}

/** The `write` group. */
export const writeGroup: GroupMount = Object.assign(
  (app: Hono<ApiEnv>, deps: ApiDeps) => {
    app.route('/sessions', sessionWriteRoutes(deps));
    app.route('/sessions', shareWriteRoutes(deps));
    app.route('/pools', poolWriteRoutes(deps));
    app.route('/tokens', tokenWriteRoutes(deps));
    app.route('/homes/me/files', homeFileRoutes(deps, 'write'));
  },
  { publicRoutes: activityRoutes },
);

/**
 * POST /sessions/{id}/activity: the session's own app says it is in use, with its secret (`Authorization: Bearer
 * $SESSION_SECRET`), not a user's credential: mounted before authentication, limited per address as anonymous calls
 * are, and written at most every few seconds per session.
 */
function activityRoutes(app: Hono<ApiEnv>, deps: ApiDeps): void {
  const limit = addressRateLimit(deps.anonymousRateLimit);
  app.post('/sessions/:id/activity', async (c) => {
    limit.check(c);
    limit.count(c);
    const secret = /^Bearer\s+(\S+)$/i.exec(c.req.header('authorization') ?? '')?.[1];
    const session = await reportActivity(deps, c.req.param('id'), secret);
    return c.json({ id: session.id, status: session.status }, 202);
  });
}
