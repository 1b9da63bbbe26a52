import fc from 'fast-check';
import { expect } from 'vitest';
import type { ModelUser } from './local-product';
import { type Cmd, type Model, type Product, users } from './product-model';

/*
 * #38's operations in the model: personal API tokens (made, used in place of the person's own credential, revoked;
 * they outlive restarts, a revoked one never works again) and files in and out of homes (each person's own, whoever
 * asks; kept across restarts).
 */

/** A person makes a token: shown once. */
export class MakeToken implements Cmd {
  constructor(readonly user: ModelUser) {}
  check = (m: Readonly<Model>) => m.tokens.filter((t) => t.owner === this.user && !t.revoked).length < 5;
  async run(m: Model, p: Product) {
    const res = await p.call(this.user, '/tokens', { method: 'POST', body: '{"name":"model"}' });
    const text = await res.text();
    expect(res.status, text).toBe(201);
    const { id, token } = JSON.parse(text) as { id: string; token: string };
    m.tokens.push({ owner: this.user, id, token, revoked: false });
  }
  toString = () => `makeToken(${this.user})`;
}

/** A token in place of its maker's credential: they see what their maker sees; once revoked, 401. */
export class UseToken implements Cmd {
  constructor(readonly pick: number) {}
  check = (m: Readonly<Model>) => m.tokens.length > 0;
  async run(m: Model, p: Product) {
    const t = m.tokens[this.pick % m.tokens.length]!;
    const res = await p.call(null, '/sessions?limit=100', { headers: { authorization: `Bearer ${t.token}` } });
    if (t.revoked) return void expect(res.status, `revoked token of ${t.owner}`).toBe(401);
    expect(res.status).toBe(200);
    const ids = (r: unknown) => (r as { sessions: { id: string }[] }).sessions.map((s) => s.id).sort();
    const own = await p.call(t.owner, '/sessions?limit=100');
    expect(ids(await res.json()), `a token of ${t.owner} lists what ${t.owner} does`).toEqual(ids(await own.json()));
  }
  toString = () => `useToken(#${this.pick})`;
}

/** Revoked by its owner (204, once); anyone else, an admin too, is told there is no such token of theirs. */
export class RevokeToken implements Cmd {
  constructor(
    readonly user: ModelUser,
    readonly pick: number,
  ) {}
  check = (m: Readonly<Model>) => m.tokens.length > 0;
  async run(m: Model, p: Product) {
    const t = m.tokens[this.pick % m.tokens.length]!;
    const res = await p.call(this.user, `/tokens/${t.id}`, { method: 'DELETE' });
    if (t.owner !== this.user || t.revoked) return void expect(res.status).toBe(404);
    expect(res.status).toBe(204);
    t.revoked = true;
  }
  toString = () => `revokeToken(${this.user}, #${this.pick})`;
}

/**
 * Where the API does not serve files (AWS: the router service's task mounts the homes, the functions have none), it
 * sends the caller there: 307 to the same path at the router's origin, the method and body kept.
 */
async function sentElsewhere(res: Response, name: string): Promise<void> {
  expect(res.status).toBe(307);
  expect(res.headers.get('location')).toMatch(
    new RegExp(`^https?://[^/]+/homes/me/files/${name.replace('.', '\\.')}$`),
  );
  expect(await res.json()).toMatchObject({ location: res.headers.get('location') });
}

/** A file put in one's home (made or replaced); sent to where files are served if not here. */
export class PutFile implements Cmd {
  constructor(
    readonly user: ModelUser,
    readonly name: string,
  ) {}
  check = () => true;
  async run(m: Model, p: Product) {
    const content = `${this.user}:${this.name}:${m.files.size}`;
    const res = await p.call(this.user, `/homes/me/files/${this.name}`, {
      method: 'PUT',
      body: content,
      headers: { 'content-type': 'application/octet-stream' },
    });
    if (!p.files) return sentElsewhere(res, this.name);
    const key = `${this.user}/${this.name}`;
    expect(res.status).toBe(m.files.has(key) ? 200 : 201);
    m.files.set(key, content);
  }
  toString = () => `putFile(${this.user}, ${this.name})`;
}

/** A file read from one's own home: what was last put there, or nothing; never another person's. */
export class ReadFile implements Cmd {
  constructor(
    readonly user: ModelUser,
    readonly name: string,
  ) {}
  check = (m: Readonly<Model>) => m.files.size > 0;
  async run(m: Model, p: Product) {
    const res = await p.call(this.user, `/homes/me/files/${this.name}`);
    if (!p.files) return sentElsewhere(res, this.name);
    const mine = m.files.get(`${this.user}/${this.name}`);
    if (mine === undefined) return void expect(res.status, `${this.user} has no ${this.name}`).toBe(404);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe(mine);
  }
  toString = () => `readFile(${this.user}, ${this.name})`;
}

const user = fc.constantFrom(...users);
const name = fc.constantFrom('notes.txt', 'data.csv');
export const peopleCommands = [
  user.map((u) => new MakeToken(u)),
  fc.nat(20).map((i) => new UseToken(i)),
  fc.tuple(user, fc.nat(20)).map(([u, i]) => new RevokeToken(u, i)),
  fc.tuple(user, name).map(([u, n]) => new PutFile(u, n)),
  fc.tuple(user, name).map(([u, n]) => new ReadFile(u, n)),
];
