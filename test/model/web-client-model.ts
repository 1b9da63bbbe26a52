import fc from 'fast-check';
import { expect } from 'vitest';
import { isLive, type Session } from '../../shared/domain/session';
import { MODEL_OPEN_MAX } from './local-product';
import { type Cmd, hasSessions, type Model, type Product, short, target, users } from './product-model';

/*
 * #35's operations in the model: visitors (no account) launching the app open to anyone, as the trame
 * image lets anyone; what a visitor may see; and a web client opened for a session it has (the portal's
 * Open: the launcher's POST naming sessionId).
 */

/** A visitor opens the open app's page: a session of their own (a cookie the first time), or wslink's 503 at the cap. */
export class VisitorLaunch implements Cmd {
  constructor(readonly visitor: number) {}
  check = () => true;
  async run(m: Model, p: Product) {
    const v = m.visitors[this.visitor]!;
    const res = await fetch(`${p.url}/paraview/`, {
      method: 'POST',
      body: JSON.stringify({ application: 'public' }),
      headers: v.cookie ? { cookie: v.cookie } : {},
    });
    const text = await res.text();
    const set = res.headers.getSetCookie().find((c) => c.startsWith('sessionplane_visitor='));
    if (set) {
      expect(v.cookie, 'a visitor keeps their cookie, across restarts too').toBeUndefined();
      v.cookie = set.split(';')[0]!;
    }
    const live = m.visitors.flatMap((x) => x.sessions).filter((s) => s.live).length;
    if (live >= MODEL_OPEN_MAX) {
      expect(res.status, text).toBe(503);
      expect(JSON.parse(text)).toEqual({ error: 'All the resources are currently taken' });
      return;
    }
    expect(res.status, text).toBe(200);
    v.sessions.push({ id: (JSON.parse(text) as { id: string }).id, live: true });
  }
  toString = () => `visitorLaunch(v${this.visitor})`;
}

/** A visitor asks the launcher for sessions: their own (200), another visitor's or a user's (404), never anything else. */
export class VisitorLook implements Cmd {
  constructor(
    readonly visitor: number,
    readonly pick: number,
  ) {}
  check = (m: Readonly<Model>) => !!m.visitors[this.visitor]!.cookie;
  async run(m: Model, p: Product) {
    const v = m.visitors[this.visitor]!;
    const others = [
      ...m.visitors.filter((x) => x !== v).flatMap((x) => x.sessions),
      ...m.sessions.map((s) => ({ id: s.id })),
    ];
    const own = v.sessions.length ? v.sessions[this.pick % v.sessions.length] : undefined;
    const other = others.length ? others[this.pick % others.length] : undefined;
    const get = (id: string) => fetch(`${p.url}/paraview/${id}`, { headers: { cookie: v.cookie! } });
    if (own) expect((await get(own.id)).status, `v${this.visitor}'s own ${short(own.id)}`).toBe(200);
    if (other) expect((await get(other.id)).status, `v${this.visitor} on ${short(other.id)}`).toBe(404);
    expect((await fetch(`${p.url}/sessions`, { headers: { cookie: v.cookie! } })).status).toBe(401);
  }
  toString = () => `visitorLook(v${this.visitor}, #${this.pick})`;
}

/**
 * A web client opened for a session (the portal's Open, `<app>.html?sessionId=`) asks the launcher for it: its owner and
 * grantees get that very session while it lives (503 once it has ended), an admin is refused its use, anyone else sees
 * nothing.
 */
export class Attach implements Cmd {
  constructor(
    readonly user: (typeof users)[number],
    readonly pick: number,
  ) {}
  check = hasSessions;
  async run(m: Model, p: Product) {
    const { s, role } = target(m, this);
    const res = await p.call(this.user, '/paraview/', {
      method: 'POST',
      body: JSON.stringify({ application: s.app, sessionId: s.id }),
      allow503: true,
    });
    const text = await res.text();
    const what = `attach ${short(s.id)} as ${this.user} (${role})`;
    if (role === 'admin') return void expect(res.status, what).toBe(403);
    if (role === 'stranger') return void expect(res.status, what).toBe(404);
    const record = (await p.store.get(s.id))!;
    const ended = !isLive(record.status as Session['status']) || record.status === 'STOPPING';
    // Between the answer and the read the session may have ended by itself (its launch timed out on a loaded machine).
    if (res.status === 503) return void expect(ended, what).toBe(true);
    expect(res.status, `${what}: ${text}`).toBe(200);
    expect((JSON.parse(text) as { id: string }).id).toBe(s.id);
  }
  toString = () => `attach(${this.user}, #${this.pick})`;
}

const visitor = fc.nat(1);
export const webClientCommands = [
  visitor.map((v) => new VisitorLaunch(v)),
  visitor.map((v) => new VisitorLaunch(v)),
  fc.tuple(visitor, fc.nat(50)).map(([v, i]) => new VisitorLook(v, i)),
  fc.tuple(fc.constantFrom(...users), fc.nat(50)).map(([u, i]) => new Attach(u, i)),
];
