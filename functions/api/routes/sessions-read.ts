import { homeFileRoutes } from './home-files';
import { tokenReadRoutes } from './tokens';
import { groupMembers } from '../../../shared/services/replicas';
import { Hono } from 'hono';
import * as z from 'zod';
import { DomainError } from '../../../shared/domain/errors';
import type { Principal } from '../../../shared/domain/principal';
import type { Session } from '../../../shared/domain/session';
import { activeShares, granteeKeysOf, shareFor } from '../../../shared/domain/shares';
import type { ApiDeps, ApiEnv, GroupMount } from '../context';
import { homeRoutes } from './homes';
import { shareReadRoutes } from './shares';
import { usageRoutes } from './usage';
import { poolReadRoutes } from './pools';
import { ListQuerySchema } from '../schemas';
import { type ShareView, sessionView, shareView } from '../views/session';
import { check } from '../validate';
import { serveSessionEvents } from './session-events';
import { detailedView } from './session-access';
import { authorizedSession, listOwn } from '../../../shared/services/access';

const LogsQuerySchema = z.strictObject({
  /** An ISO time or epoch milliseconds: only lines from then on. */
  since: z
    .string()
    .max(40)
    .transform((v, ctx) => {
      const ms = /^\d+$/.test(v) ? Number(v) : Date.parse(v);
      if (!Number.isFinite(ms)) {
        ctx.addIssue({ code: 'custom', message: 'an ISO time or epoch milliseconds' });
        return z.NEVER;
      }
      return ms;
    })
    .optional(),
  /** At most this many bytes, the newest. */
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(1024 * 1024)
    .default(64 * 1024),
});

async function allLive(deps: ApiDeps, limit: number): Promise<Session[]> {
  const found: Session[] = [];
  for await (const s of deps.store.listLive()) {
    found.push(s);
    if (found.length >= limit) break;
  }
  return found.sort((a, b) => b.createdAt - a.createdAt);
}

/** An owner's session in their list, with whom it is shared now (never a share's token). */
function withShares<V>(view: V, session: Session, now: number): V | (V & { shares: ShareView[] }) {
  const active = activeShares(session, now);
  return active.length ? { ...view, shares: active.map(shareView) } : view;
}

/** Live sessions of others shared with `principal` now (the grantee index, each share checked on its record). */
async function sharedWith(deps: ApiDeps, principal: Principal): Promise<Session[]> {
  const now = deps.clock.now();
  const found = await deps.store.listSharedWith(granteeKeysOf(principal));
  return found.filter((s) => shareFor(s, principal, now)).sort((a, b) => b.createdAt - a.createdAt);
}

/** GET /sessions, GET /sessions/{id}, its events and its logs: the read Lambda's routes. */
function sessionReadRoutes(deps: ApiDeps): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>();

  app.get('/', async (c) => {
    const query = check(ListQuerySchema, c.req.query(), 'query');
    if (query.all) {
      if (!c.var.principal.admin) throw new DomainError('auth.forbidden', 'Only admins may list every session.');
      const sessions = await allLive(deps, query.limit ?? 1000);
      return c.json({ sessions: sessions.map((s) => sessionView(s, deps.urls)) });
    }
    if (query.group) {
      const members = await groupMembers(deps, c.var.principal.user, query.group);
      return c.json({ sessions: members.map((s) => withShares(sessionView(s, deps.urls), s, deps.clock.now())) });
    }
    const page = await listOwn(deps, c.var.principal.user, query);
    // On the first page, the live sessions others share with the caller, marked as such.
    const shared = query.cursor ? [] : await sharedWith(deps, c.var.principal);
    return c.json({
      sessions: [
        ...shared.map((s) => ({ ...sessionView(s, deps.urls), sharedWithYou: true })),
        ...page.items.map((s) => withShares(sessionView(s, deps.urls), s, deps.clock.now())),
      ],
      ...(page.cursor ? { cursor: page.cursor } : {}),
    });
  });

  app.get('/:id', async (c) => {
    const { session } = await authorizedSession(deps, c.var.principal, 'read', c.req.param('id'));
    return c.json(await detailedView(deps, c.var.principal, session));
  });

  app.get('/:id/events', (c) => serveSessionEvents(deps, c));

  app.get('/:id/logs', async (c) => {
    const query = check(LogsQuerySchema, c.req.query(), 'query');
    const { session } = await authorizedSession(deps, c.var.principal, 'logs', c.req.param('id'));
    const tail = await deps.logs.tail(session, { sinceMs: query.since, maxBytes: query.limit });
    if (tail.nextSince !== undefined) c.header('x-next-since', String(tail.nextSince));
    c.header('x-truncated', String(tail.truncated));
    return c.text(tail.lines.map((l) => `${l}\n`).join(''));
  });

  return app;
}

/** The `read` group. */
export const readGroup: GroupMount = (app, deps) => {
  app.route('/sessions', sessionReadRoutes(deps));
  app.route('/sessions', shareReadRoutes(deps));
  app.route('/homes/me/files', homeFileRoutes(deps, 'read'));
  app.route('/homes', homeRoutes(deps));
  app.route('/usage', usageRoutes(deps));
  app.route('/pools', poolReadRoutes(deps));
  app.route('/tokens', tokenReadRoutes(deps));
};
