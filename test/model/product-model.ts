import fc from 'fast-check';
import { expect } from 'vitest';
import { isLive, type Session } from '../../shared/domain/session';
import { MODEL_APPS, MODEL_CAP, MODEL_USERS, type ModelApp, type ModelUser } from './local-product';

/**
 * The model-based test of the whole product (#33): what it promises, as a model, and the
 * operations of every door, run against a real product by fast-check's model-based commands. The
 * product behind `Product` is the local server here; the same commands can drive the AWS
 * composition (the Lambda bundles on moto and DynamoDB Local) once it has a `Product`.
 */
export interface Product {
  url: string;
  /** Whether the portal's pages are here (not on the AWS composition's API: its portal signs in at Cognito's pages). */
  pages?: boolean;
  /** Whether the API itself serves files in and out of homes (one machine; on AWS it sends callers to the router). */
  files?: boolean;
  /** An app with a secret only a group's members' sessions get, where the product's apps have one. */
  groupSecret?: { app: string; name: string; group: string; value: string };
  serverErrors: string[];
  /** A request as `who`; a 5xx is a server error unless `allow503` (a launcher's own answer for an ended session). */
  call(
    who: ModelUser | null,
    path: string,
    init?: RequestInit & { form?: boolean; allow503?: boolean },
  ): Promise<Response>;
  page(who: ModelUser, path: string): Promise<Response>;
  portalApi(who: ModelUser, path: string, init?: RequestInit): Promise<Response>;
  open(url: string): Promise<Response>;
  store: {
    get(id: string): Promise<Session | undefined>;
    listByOwner(owner: string, o?: { limit?: number }): Promise<{ items: Session[] }>;
  };
  quotas(): { get(owner: string): Promise<{ sessions: number; jobs?: number }> };
  usage(): { list(range: { from: number; to: number; owner?: string }): AsyncIterable<{ sessionId: string }> };
  processes(): string[];
  stop(signal: 'SIGTERM' | 'SIGKILL'): Promise<number | null>;
  boot(): Promise<void>;
}

interface ModelSession {
  id: string;
  owner: ModelUser;
  app: ModelApp;
  live: boolean;
  /** `user:<name>` and `group:<name>`. */
  shares: Set<string>;
}

/** A visitor of an app open to anyone: their cookie once they have one, and the sessions they launched. */
export interface ModelVisitor {
  cookie?: string;
  sessions: { id: string; live: boolean }[];
}

/** A batch job (work-model.ts): whose, the exit code it was asked for, and whether a stop or a restart may cut it. */
export interface ModelJob {
  id: string;
  owner: ModelUser;
  exit: number;
  cut: boolean;
  /** Its event log has been read once it ended (started at most once): an ended job's log no longer changes. */
  startsChecked?: boolean;
}

export class Model {
  readonly sessions: ModelSession[] = [];
  readonly jobs: ModelJob[] = [];
  readonly visitors: ModelVisitor[] = [{ sessions: [] }, { sessions: [] }];
  /** Personal API tokens made (people-model.ts), revoked or not. */
  readonly tokens: { owner: ModelUser; id: string; token: string; revoked: boolean }[] = [];
  /** Files put in homes through the API: by owner and name, what each holds now. */
  readonly files = new Map<string, string>();
  liveOf(user: ModelUser) {
    return this.sessions.filter((s) => s.owner === user && s.live);
  }
  pick(i: number): ModelSession | undefined {
    return this.sessions.length ? this.sessions[i % this.sessions.length] : undefined;
  }
}

const GROUPS: Record<ModelUser, readonly string[]> = Object.fromEntries(
  Object.entries(MODEL_USERS).map(([u, spec]) => [u, 'groups' in spec ? spec.groups : []]),
) as unknown as Record<ModelUser, readonly string[]>;
export const isAdmin = (u: ModelUser) => 'role' in MODEL_USERS[u];
type Role = 'owner' | 'admin' | 'grantee' | 'stranger';
function roleOf(user: ModelUser, s: ModelSession): Role {
  if (s.owner === user) return 'owner';
  if (isAdmin(user)) return 'admin';
  // A share outlives the session's end: the grantee may still read what it was.
  if (s.shares.has(`user:${user}`) || GROUPS[user].some((g) => s.shares.has(`group:${g}`))) return 'grantee';
  return 'stranger';
}
const mayLaunch = (user: ModelUser, app: ModelApp) => app !== 'hidden' || isAdmin(user) || GROUPS[user].includes('viz');

export type Door = 'rest' | 'launcher' | 'skaha' | 'portal';
export type Cmd = fc.AsyncCommand<Model, Product>;
export const users = Object.keys(MODEL_USERS) as ModelUser[];

/** The session a command picks, and who its user is to it. */
export function target(m: Model, cmd: { user: ModelUser; pick: number }): { s: ModelSession; role: Role } {
  const s = m.pick(cmd.pick)!;
  return { s, role: roleOf(cmd.user, s) };
}
export const hasSessions = (m: Readonly<Model>) => m.sessions.length > 0;

/** A session's id as text for messages. */
export const short = (id: string) => id.slice(0, 8);

export class Launch implements Cmd {
  constructor(
    readonly user: ModelUser,
    readonly app: ModelApp,
    readonly door: Exclude<Door, 'portal'>,
  ) {}
  check = () => true;
  async run(m: Model, p: Product) {
    const allowed = mayLaunch(this.user, this.app);
    const full = m.liveOf(this.user).length >= MODEL_CAP;
    let res: Response;
    if (this.door === 'rest')
      res = await p.call(this.user, '/sessions', {
        method: 'POST',
        body: JSON.stringify({ app: this.app, ...(this.app === 'sized' ? { profile: 'small' } : {}) }),
      });
    else if (this.door === 'launcher')
      res = await p.call(this.user, '/paraview/', { method: 'POST', body: JSON.stringify({ application: this.app }) });
    else
      res = await p.call(this.user, '/skaha/v1/session', {
        method: 'POST',
        body: `name=m-${this.app}&app=${this.app}`,
        form: true,
      });
    const text = await res.text();
    if (!allowed) {
      expect(res.status, text).toBe(this.door === 'skaha' ? 400 : 404);
      return;
    }
    if (full) {
      // The launcher may give back the same session for a retry within its window; nothing new.
      if (res.status === 200 && this.door === 'launcher') {
        const id = (JSON.parse(text) as { id: string }).id;
        expect(m.sessions.find((s) => s.id === id)?.live, `a launch over the cap started ${short(id)}`).toBe(true);
        return;
      }
      expect(res.status, text).toBe(this.door === 'skaha' ? 400 : 429);
      return;
    }
    expect(res.status, text).toBe(this.door === 'rest' ? 202 : 200);
    const id = this.door === 'skaha' ? text.trim() : (JSON.parse(text) as { id: string }).id;
    if (!m.sessions.some((s) => s.id === id))
      m.sessions.push({ id, owner: this.user, app: this.app, live: true, shares: new Set() });
  }
  toString = () => `launch(${this.user}, ${this.app}, ${this.door})`;
}

export class Stop implements Cmd {
  constructor(
    readonly user: ModelUser,
    readonly pick: number,
    readonly door: Door,
  ) {}
  check = hasSessions;
  async run(m: Model, p: Product) {
    const { s, role } = target(m, this);
    const res =
      this.door === 'rest'
        ? await p.call(this.user, `/sessions/${s.id}`, { method: 'DELETE' })
        : this.door === 'launcher'
          ? await p.call(this.user, `/paraview/${s.id}`, { method: 'DELETE' })
          : this.door === 'skaha'
            ? await p.call(this.user, `/skaha/v1/session/${s.id}`, { method: 'DELETE' })
            : await p.portalApi(this.user, `/sessions/${s.id}`, { method: 'DELETE' });
    if (role === 'owner' || role === 'admin') {
      expect(res.status).toBeLessThan(300);
      s.live = false;
    } else if (role === 'grantee') expect(res.status).toBe(403);
    else expect(res.status).toBe(this.door === 'skaha' ? 200 : 404);
  }
  toString = () => `stop(${this.user}, #${this.pick}, ${this.door})`;
}

class Renew implements Cmd {
  constructor(
    readonly user: ModelUser,
    readonly pick: number,
    readonly door: 'rest' | 'skaha',
  ) {}
  check = hasSessions;
  async run(m: Model, p: Product) {
    const { s, role } = target(m, this);
    const res =
      this.door === 'rest'
        ? await p.call(this.user, `/sessions/${s.id}/renew`, { method: 'POST' })
        : await p.call(this.user, `/skaha/v1/session/${s.id}`, { method: 'POST', body: 'action=renew', form: true });
    if (role === 'grantee') expect(res.status).toBe(403);
    else if (role === 'stranger') expect(res.status).toBe(this.door === 'skaha' ? 400 : 404);
    else if (s.live) expect(res.status).toBe(200);
  }
  toString = () => `renew(${this.user}, #${this.pick}, ${this.door})`;
}

export class Share implements Cmd {
  constructor(
    readonly user: ModelUser,
    readonly pick: number,
    readonly grantee: string,
  ) {}
  check = hasSessions;
  async run(m: Model, p: Product) {
    const { s, role } = target(m, this);
    const [kind, name] = this.grantee.split(':') as ['user' | 'group', string];
    const res = await p.call(this.user, `/sessions/${s.id}/shares`, {
      method: 'POST',
      body: JSON.stringify({ [kind]: name }),
    });
    if (role === 'grantee') return void expect(res.status).toBe(403);
    if (role === 'stranger') return void expect(res.status).toBe(404);
    if (!s.live) return void expect(res.status).toBeGreaterThanOrEqual(400);
    if (kind === 'user' && name === s.owner) return void expect(res.status).toBe(400);
    expect(res.status).toBe(201);
    s.shares.add(this.grantee);
  }
  toString = () => `share(${this.user}, #${this.pick}, ${this.grantee})`;
}

class Revoke implements Cmd {
  constructor(readonly pick: number) {}
  check = (m: Readonly<Model>) => m.sessions.some((s) => s.live && s.shares.size > 0);
  async run(m: Model, p: Product) {
    const shared = m.sessions.filter((s) => s.live && s.shares.size > 0);
    const s = shared[this.pick % shared.length]!;
    const res = await p.call(s.owner, `/sessions/${s.id}/shares`);
    expect(res.status).toBe(200);
    const { shares } = (await res.json()) as { shares: { id: string; user?: string; group?: string }[] };
    const first = shares[0]!;
    expect((await p.call(s.owner, `/sessions/${s.id}/shares/${first.id}`, { method: 'DELETE' })).status).toBe(204);
    s.shares.delete(first.user !== undefined ? `user:${first.user}` : `group:${first.group}`);
  }
  toString = () => `revoke(#${this.pick})`;
}

/** Reads as each door shows them: a session, its events, its logs, and the router with the URL the caller's own view gives. */
export class Look implements Cmd {
  constructor(
    readonly user: ModelUser,
    readonly pick: number,
    readonly what: 'read' | 'events' | 'logs' | 'use' | 'launcher' | 'skaha',
  ) {}
  check = hasSessions;
  async run(m: Model, p: Product) {
    const { s, role } = target(m, this);
    const path = {
      read: `/sessions/${s.id}`,
      events: `/sessions/${s.id}/events`,
      logs: `/sessions/${s.id}/logs`,
      use: `/sessions/${s.id}`,
      launcher: `/paraview/${s.id}`,
      skaha: `/skaha/v1/session/${s.id}`,
    }[this.what];
    const res = await p.call(this.user, path);
    const visible = role !== 'stranger';
    // skaha no longer shows a session its owner deleted.
    if (this.what === 'skaha' && !s.live) return void expect([200, 404]).toContain(res.status);
    expect(res.status, `${this.what} of ${short(s.id)} as ${this.user} (${role})`).toBe(visible ? 200 : 404);
    if (this.what !== 'use' || !visible) return;
    const view = (await res.json()) as { connectURL: string; status: string };
    if (!isLive(view.status as Session['status']) || view.status === 'STOPPING') return;
    const opened = await p.open(view.connectURL);
    // The router: owners and grantees in (or held while it starts), an admin's tokenless URL refused.
    if (role === 'admin') expect([401, 403, 404]).toContain(opened.status);
    else expect([401, 403, 404]).not.toContain(opened.status);
    await opened.body?.cancel();
  }
  toString = () => `look(${this.user}, #${this.pick}, ${this.what})`;
}

/** Every list and page a user sees, and what must be in each. */
export class Lists implements Cmd {
  constructor(readonly user: ModelUser) {}
  check = () => true;
  async run(m: Model, p: Product) {
    const res = await p.call(this.user, '/sessions');
    expect(res.status).toBe(200);
    const listed = new Map(
      (
        (await res.json()) as { sessions: { id: string; status: string; owner: string; sharedWithYou?: boolean }[] }
      ).sessions.map((s) => [s.id, s]),
    );
    for (const s of m.sessions) {
      const shown = listed.get(s.id);
      const role = roleOf(this.user, s);
      if (role === 'owner' && s.live)
        expect(shown && isLive(shown.status as Session['status']), `${short(s.id)} live in ${this.user}'s list`).toBe(
          true,
        );
      if (role === 'grantee' && s.live)
        expect(shown?.sharedWithYou, `${short(s.id)} shared with ${this.user}`).toBe(true);
      if (role === 'stranger' || (role === 'admin' && shown)) expect(shown?.owner ?? this.user).toBe(this.user);
    }
    for (const [id, shown] of listed)
      if (shown.owner !== this.user) expect(shown.sharedWithYou, `${short(id)} in ${this.user}'s list`).toBe(true);
    for (const path of ['/usage?period=month', '/skaha/v1/session', '/apps', '/skaha/v1/image', '/skaha/v1/context'])
      expect((await p.call(this.user, path)).status, path).toBe(200);
    if (p.pages !== false)
      for (const path of ['/', '/portal/sessions', ...(isAdmin(this.user) ? ['/admin'] : [])])
        expect((await p.page(this.user, path)).status, `portal ${path}`).toBe(200);
  }
  toString = () => `lists(${this.user})`;
}

/** The server stops and starts again: by SIGTERM (every session stopped, exit 0) or kill -9 (the next start ends what it left). */
export class Restart implements Cmd {
  constructor(readonly signal: 'SIGTERM' | 'SIGKILL') {}
  check = () => true;
  async run(m: Model, p: Product) {
    const code = await p.stop(this.signal);
    if (this.signal === 'SIGTERM') expect(code).toBe(0);
    await p.boot();
    for (const s of [...m.sessions, ...m.visitors.flatMap((v) => v.sessions)]) s.live = false;
    for (const j of m.jobs) j.cut = true;
  }
  toString = () => `restart(${this.signal})`;
}

/**
 * On AWS a restart is of the control plane only: every function's process and the router service start cold, the
 * tasks and the table go on, so every session lives on.
 */
export class ColdStart implements Cmd {
  check = () => true;
  async run(_m: Model, p: Product) {
    await p.stop('SIGKILL');
    await p.boot();
  }
  toString = () => 'coldStart()';
}

const user = fc.constantFrom(...users);
const pick = fc.nat(50);
const grantee = fc.constantFrom('user:alice', 'user:bob', 'user:dave', 'group:viz');

/** The operations, weighted toward what people do most (an entry's copies are its weight), over these apps and doors. */
export function commandsFor(options: {
  apps: readonly ModelApp[];
  doors: readonly Door[];
  /** `process`: the server restarts by SIGTERM or kill -9 (one machine); `cold`: the control plane starts cold (AWS). */
  restart: 'process' | 'cold';
}) {
  const door = fc.constantFrom<Door>(...options.doors);
  const launchDoor = fc.constantFrom(...options.doors.filter((d): d is Exclude<Door, 'portal'> => d !== 'portal'));
  const launchAny = fc
    .tuple(user, fc.constantFrom(...options.apps), launchDoor)
    .map(([u, a, d]) => new Launch(u, a, d));
  const launchCommon = fc
    .tuple(user, fc.constantFrom<ModelApp>('echo', 'notes'))
    .map(([u, a]) => new Launch(u, a, 'rest'));
  const stop = fc.tuple(user, pick, door).map(([u, i, d]) => new Stop(u, i, d));
  const share = fc.tuple(user, pick, grantee).map(([u, i, g]) => new Share(u, i, g));
  const look = fc
    .tuple(user, pick, fc.constantFrom<Look['what']>('read', 'events', 'logs', 'use', 'launcher', 'skaha'))
    .map(([u, i, w]) => new Look(u, i, w));
  const lists = user.map((u) => new Lists(u));
  return [
    ...[launchAny, launchAny, launchAny, launchCommon],
    ...[stop, stop],
    fc.tuple(user, pick, fc.constantFrom<'rest' | 'skaha'>('rest', 'skaha')).map(([u, i, d]) => new Renew(u, i, d)),
    ...[share, share],
    pick.map((i) => new Revoke(i)),
    ...[look, look, look],
    ...[lists, lists],
    options.restart === 'process'
      ? fc.constantFrom<'SIGTERM' | 'SIGKILL'>('SIGTERM', 'SIGKILL').map((s): Cmd => new Restart(s))
      : fc.constant<Cmd>(new ColdStart()),
  ];
}

/** One machine: every app kind, every door, restarts by signal. */
export const commands = commandsFor({
  apps: MODEL_APPS,
  doors: ['rest', 'launcher', 'skaha', 'portal'],
  restart: 'process',
});
