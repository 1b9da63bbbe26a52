import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalServer } from '../../functions/local/http-server';
import { fixtureApp } from '../support/apps';
import { startTestPlane, type TestPlane } from '../support/plane';
import { scanTable } from '../support/table';
import { testUsers } from '../support/users';

const run = promisify(execFile);

/** curl, as a person at a terminal would call the API with their token: status line and body. */
async function curl(url: string, token: string, ...args: string[]): Promise<{ status: number; body: string }> {
  const { stdout } = await run('curl', [
    '-sS',
    '-H',
    `Authorization: Bearer ${token}`,
    '-w',
    '\n%{http_code}',
    ...args,
    url,
  ]);
  const at = stdout.lastIndexOf('\n');
  return { status: Number(stdout.slice(at + 1)), body: stdout.slice(0, at) };
}

describe('personal API tokens (a person makes, uses with curl, lists and revokes their own)', () => {
  const users = testUsers({ alice: { groups: ['lab'] }, bob: {}, admin: { role: 'admin' } });
  let plane: TestPlane;
  let server: LocalServer;
  const api = (who: 'alice' | 'bob' | 'admin', path: string, init?: RequestInit) =>
    users.api(server.url, who, path, init);
  const make = async (who: 'alice' | 'bob', body: unknown) =>
    api(who, '/tokens', { method: 'POST', body: JSON.stringify(body) });

  beforeAll(async () => {
    plane = await startTestPlane({ web: fixtureApp() }, { SESSIONPLANE_AUTH_TOKENS: users.path }, { realAuth: true });
    server = await plane.listen();
  });
  afterAll(async () => {
    await plane?.dispose();
    users.dispose();
  });

  it('makes a token shown once, which curl then uses as its maker, groups and all', async () => {
    const res = await make('alice', { name: 'laptop curl', expiresInDays: 7 });
    expect(res.status).toBe(201);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const made = (await res.json()) as {
      id: string;
      token: string;
      name: string;
      createdAt: string;
      expiresAt: string;
    };
    expect(made.token).toMatch(/^spt_[A-Za-z0-9_-]{43}$/);
    expect(res.headers.get('location')).toBe(`/tokens/${made.id}`);
    expect(Date.parse(made.expiresAt) - Date.parse(made.createdAt)).toBe(7 * 86_400_000);

    // curl launches as alice, and lists what alice sees.
    const launched = await curl(
      `${server.url}/sessions`,
      made.token,
      '-X',
      'POST',
      '-H',
      'content-type: application/json',
      '-d',
      '{"app":"web"}',
    );
    expect(launched.status, launched.body).toBe(202);
    const session = JSON.parse(launched.body) as { id: string; owner: string };
    expect(session.owner).toBe('alice');
    // A session bob shares with the group lab: alice's token sees it (it carries her groups).
    const bobs = (await (await api('bob', '/sessions', { method: 'POST', body: '{"app":"web"}' })).json()) as {
      id: string;
    };
    await api('bob', `/sessions/${bobs.id}/shares`, { method: 'POST', body: '{"group":"lab"}' });
    expect((await curl(`${server.url}/sessions/${bobs.id}`, made.token)).status).toBe(200);

    // Listed by name and dates, never the token or its hash.
    const listed = await (await api('alice', '/tokens')).text();
    expect(JSON.parse(listed)).toEqual({
      tokens: [{ id: made.id, name: 'laptop curl', createdAt: made.createdAt, expiresAt: made.expiresAt }],
    });
    expect(listed).not.toContain(made.token.slice(4));
    // The store keeps the hash only.
    const items = JSON.stringify(await scanTable(plane.dynamodbEndpoint, 'sessionplane-sessions'));
    expect(items).not.toContain(made.token.slice(4));
    for (const id of [session.id, bobs.id]) await api('admin', `/sessions/${id}`, { method: 'DELETE' });
  });

  it('revokes a token for its owner only: another user gets 404 and the token still works; after, 401', async () => {
    const made = (await (await make('alice', { name: 'to revoke' })).json()) as { id: string; token: string };
    const bobTries = await api('bob', `/tokens/${made.id}`, { method: 'DELETE' });
    expect(bobTries.status).toBe(404);
    expect(await bobTries.json()).toMatchObject({ code: 'token.not_found' });
    expect((await curl(`${server.url}/sessions`, made.token)).status).toBe(200);
    // Bob's list does not show it.
    expect(((await (await api('bob', '/tokens')).json()) as { tokens: unknown[] }).tokens).toEqual([]);

    expect((await api('alice', `/tokens/${made.id}`, { method: 'DELETE' })).status).toBe(204);
    const after = await curl(`${server.url}/sessions`, made.token);
    expect(after.status).toBe(401);
    expect(JSON.parse(after.body)).toMatchObject({ code: 'auth.unauthenticated' });
    expect((await api('alice', `/tokens/${made.id}`, { method: 'DELETE' })).status).toBe(404);
  });

  it('refuses a bad request as problem+json and makes nothing', async () => {
    const before = ((await (await api('bob', '/tokens')).json()) as { tokens: unknown[] }).tokens.length;
    for (const body of [
      {},
      { name: '' },
      { name: 'x', expiresInDays: 0 },
      { name: 'x', expiresInDays: 366 },
      { name: 'x', scope: 'all' },
      { name: 'a\u0007b' },
    ]) {
      const res = await make('bob', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
    }
    expect(((await (await api('bob', '/tokens')).json()) as { tokens: unknown[] }).tokens.length).toBe(before);
    // A made-up token of the right shape is no credential.
    expect((await curl(`${server.url}/sessions`, `spt_${'A'.repeat(43)}`)).status).toBe(401);
  });

  it('keeps at most 50 tokens per person', async () => {
    for (let i = 0; i < 50; i++) expect((await make('bob', { name: `t${i}` })).status).toBe(201);
    const over = await make('bob', { name: 'one more' });
    expect(over.status).toBe(429);
    expect(await over.json()).toMatchObject({ code: 'quota.exceeded' });
  });
});
