import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalServer } from '../../functions/local/http-server';
import { loadAppsFile } from '../../shared/config/apps-file';
import { SESSION_ACTIONS, type SessionAction } from '../../shared/domain/authorization';
import { isLive } from '../../shared/domain/session';
import { settledStart, startTestPlane, type TestPlane } from '../support/plane';
import { testUsers } from '../support/users';
import {
  API_DOORS,
  byStatus,
  expected,
  type Outcome,
  outcomeOf,
  PLAYERS,
  ROLES,
  type Role,
} from '../support/authorization-table';

/**
 * The authorization matrix (#33): every action × every door × every role, from one table
 * (test/support/authorization-table.ts), against the running local server (API, launcher, skaha,
 * portal and router on one port). The Lambda bundles run the API doors' rows too
 * (test/infra/bundles.moto.test.ts).
 */
const users = testUsers(
  Object.fromEntries(
    Object.values(PLAYERS).map((p) => [p.user, { groups: p.groups, ...(p.admin ? { role: 'admin' as const } : {}) }]),
  ),
);
const WHO = Object.fromEntries(Object.entries(PLAYERS).map(([role, p]) => [role, p.user])) as Record<
  Exclude<Role, 'anonymous'>,
  string
>;

interface Target {
  id: string;
  isLive(): Promise<boolean>;
}
type Op = (as: Role, s: Target) => Promise<Outcome>;

interface Door {
  /** The operation for each action this door offers. */
  ops: Partial<Record<SessionAction, Op>>;
  /** Why this door has no such operation: every action is one or the other. */
  absent: Partial<Record<SessionAction, string>>;
  /** A door that cannot tell refusals apart (the router: 403 or 404, never which). */
  coarse?: boolean;
}

describe('authorization matrix: every door × action × role', () => {
  let plane: TestPlane;
  let server: LocalServer;
  const cookies = new Map<Role, { cookie: string; csrf: string }>();

  const bearer = (as: Role, path: string, init: RequestInit = {}) =>
    as === 'anonymous'
      ? fetch(`${server.url}${path}`, { redirect: 'manual', ...init })
      : users.api(server.url, WHO[as], path, { redirect: 'manual', ...init });
  /** The portal's way: the sign-in cookie, and its CSRF token on what changes state (the page's script does this). */
  const portal = (as: Role, path: string, init: RequestInit = {}) => {
    const signed = cookies.get(as);
    const headers = new Headers(init.headers);
    if (signed) {
      headers.set('cookie', signed.cookie);
      if (init.method && init.method !== 'GET') headers.set('x-csrf-token', signed.csrf);
    }
    if (init.body) headers.set('content-type', 'application/json');
    return fetch(`${server.url}${path}`, { redirect: 'manual', ...init, headers });
  };
  const form = { 'content-type': 'application/x-www-form-urlencoded' };
  /** A stop is allowed when the session ends: skaha answers 200 to anything it does not find. */
  const stopped = async (s: Target, answer: Outcome) => (answer === 'allow' && (await s.isLive()) ? 'denied' : answer);

  /** An API door's operations, from the shared table: the request as the role sends it, read by outcomeOf. */
  const apiDoor = (name: keyof typeof API_DOORS): Door => ({
    absent: API_DOORS[name].absent,
    ops: Object.fromEntries(
      Object.entries(API_DOORS[name].asks).map(([action, ask]) => [
        action,
        async (as: Role, s: Target) => {
          const { method, path, query, body, form } = ask(s.id);
          const res = await bearer(as, `${path}${query ? `?${query}` : ''}`, {
            method,
            ...(body
              ? { body, headers: { 'content-type': form ? 'application/x-www-form-urlencoded' : 'application/json' } }
              : {}),
          });
          return outcomeOf(name, action as SessionAction, res.status, await res.text(), !(await s.isLive()));
        },
      ]),
    ),
  });

  const DOORS: Record<'rest' | 'launcher' | 'skaha' | 'portal' | 'router', Door> = {
    rest: apiDoor('rest'),
    launcher: apiDoor('launcher'),
    skaha: apiDoor('skaha'),
    portal: {
      ops: {
        read: async (as, s) => {
          const res = await portal(as, `/open/${s.id}`);
          if (res.status === 303 && res.headers.get('location')?.startsWith('/sign-in')) return 'unauthenticated';
          return byStatus(res.status === 303 ? 200 : res.status);
        },
        events: async (as, s) => byStatus((await portal(as, `/sessions/${s.id}/events`)).status),
        logs: async (as, s) => byStatus((await portal(as, `/sessions/${s.id}/logs`)).status),
        renew: async (as, s) => byStatus((await portal(as, `/sessions/${s.id}/renew`, { method: 'POST' })).status),
        share: async (as, s) =>
          byStatus(
            (await portal(as, `/sessions/${s.id}/shares`, { method: 'POST', body: JSON.stringify({ group: 'zeds' }) }))
              .status,
          ),
        stop: async (as, s) =>
          stopped(s, byStatus((await portal(as, `/sessions/${s.id}`, { method: 'DELETE' })).status)),
      },
      absent: { use: 'Open hands the browser to the router' },
    },
    router: {
      coarse: true,
      ops: {
        // Each role's way in: the URL its own view of the session gives it (a grantee's carries
        // their own token, an admin's none), or the owner's address without its token.
        use: async (as, s) => {
          const view =
            as === 'anonymous'
              ? undefined
              : ((await (await bearer(as, `/sessions/${s.id}`)).json()) as { connectURL?: string });
          const url = new URL(view?.connectURL ?? `${server.url}/s/${s.id}/`);
          return byStatus((await fetch(url, { redirect: 'manual' })).status);
        },
      },
      absent: {
        read: 'the API',
        events: 'the API (the holding page reads them for the token holder)',
        logs: 'the API',
        stop: 'the API',
        renew: 'the API',
        share: 'the API',
      },
    },
  };

  let shared: Target;
  const target = (id: string): Target => ({
    id,
    isLive: async () =>
      isLive((await plane.deps.store.get(id))!.status) && (await plane.deps.store.get(id))!.status !== 'STOPPING',
  });
  /** One of alice's echo sessions, shared with bob by name and with the group viz (dave's). */
  const fresh = async (): Promise<Target> => {
    const res = await bearer('owner', '/sessions', {
      method: 'POST',
      body: JSON.stringify({ app: 'echo' }),
      headers: { 'content-type': 'application/json' },
    });
    expect(res.status).toBe(202);
    const { id } = (await res.json()) as { id: string };
    await settledStart(plane, id, 60_000);
    for (const grantee of [{ user: 'bob' }, { group: 'viz' }])
      expect(
        (
          await bearer('owner', `/sessions/${id}/shares`, {
            method: 'POST',
            body: JSON.stringify(grantee),
            headers: { 'content-type': 'application/json' },
          })
        ).status,
      ).toBe(201);
    return target(id);
  };

  beforeAll(async () => {
    plane = await startTestPlane(
      Object.fromEntries(loadAppsFile('examples/apps/apps.yml')),
      {
        SESSIONPLANE_AUTH_TOKENS: users.path,
        SESSIONPLANE_MAX_SESSIONS_PER_USER: '40',
        SESSIONPLANE_MAX_CPU_PER_USER: '64',
        SESSIONPLANE_MAX_MEMORY_PER_USER: '64Gi',
        SESSIONPLANE_LOOKUP_CACHE: '100ms',
      },
      { realAuth: true },
    );
    server = await plane.listen();
    for (const role of ROLES) {
      if (role === 'anonymous') continue;
      const res = await fetch(`${server.url}/sign-in`, {
        method: 'POST',
        redirect: 'manual',
        headers: { ...form, origin: server.url },
        body: new URLSearchParams({ token: users.tokens[WHO[role]]!, next: '/' }),
      });
      expect(res.status).toBe(303);
      const cookie = res.headers.getSetCookie()[0]!.split(';')[0]!;
      const home = await (await fetch(`${server.url}/`, { headers: { cookie } })).text();
      cookies.set(role, { cookie, csrf: /<meta name="csrf-token" content="([^"]+)"/.exec(home)![1]! });
    }
    shared = await fresh();
  }, 120_000);
  afterAll(async () => {
    await plane?.dispose();
    users.dispose();
  });

  const rows = Object.entries(DOORS).flatMap(([door, d]) =>
    Object.entries(d.ops).flatMap(([action, op]) =>
      ROLES.map((role) => ({ door, action: action as SessionAction, role, op: op!, coarse: !!d.coarse })),
    ),
  );

  it('has a row or a stated absence for every action at every door', () => {
    for (const [door, d] of Object.entries(DOORS))
      for (const action of SESSION_ACTIONS)
        expect(
          !!d.ops[action] !== !!d.absent[action],
          `${door} × ${action}: an operation or a reason, exactly one`,
        ).toBe(true);
    // Every action is offered somewhere, and the table has every role.
    for (const action of SESSION_ACTIONS)
      expect(
        Object.values(DOORS).some((d) => d.ops[action]),
        action,
      ).toBe(true);
    expect(rows.length).toBe(Object.values(DOORS).reduce((n, d) => n + Object.keys(d.ops).length, 0) * ROLES.length);
  });

  // Stops last: each gets a session of its own, so a stop wrongly allowed cannot hide another row.
  const ordered = [...rows.filter((r) => r.action !== 'stop'), ...rows.filter((r) => r.action === 'stop')];
  it.each(ordered.map((r) => [`${r.door} × ${r.action} × ${r.role}`, r] as const))(
    '%s',
    async (_name, row) => {
      const session = row.action === 'stop' ? await fresh() : shared;
      const want = expected(row.role, row.action);
      const got = await row.op(row.role, session);
      if (row.coarse && want !== 'allow') expect(got, 'refused, in whatever words this door has').not.toBe('allow');
      else expect(got).toBe(want);
      if (row.action === 'stop' && want !== 'allow')
        expect(await session.isLive(), 'a refused stop leaves the session running').toBe(true);
    },
    60_000,
  );

  it('leaves the shared session running after every refusal', async () => {
    expect(await shared.isLive()).toBe(true);
    console.log(
      `authorization matrix: ${rows.length} rows (${Object.keys(DOORS).length} doors, ${SESSION_ACTIONS.length} actions, ${ROLES.length} roles)`,
    );
  });
});
