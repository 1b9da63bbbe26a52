import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { smartConnect } from '../support/browser-globals';
import { startServer, type ServerProcess } from '../support/server';

describe('wslink launcher protocol, with the real wslink client (2.5.0)', () => {
  let server: ServerProcess;
  let dir: string;
  const alice = 'alice-token-0123456789abcdef';
  const bob = 'bob-token-0123456789abcdef0';
  const post = (body: string, token: string | null = alice, headers: Record<string, string> = {}) =>
    fetch(`${server.base}/paraview/`, {
      method: 'POST',
      body,
      headers: {
        'content-type': 'text/plain;charset=UTF-8',
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...headers,
      },
    });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sp-wslink-'));
    writeFileSync(
      join(dir, 'tokens.yml'),
      `tokens:\n  - { user: alice, token: ${alice} }\n  - { user: bob, token: ${bob} }\n`,
    );
    server = await startServer({
      SESSIONPLANE_AUTH_TOKENS: join(dir, 'tokens.yml'),
      SESSIONPLANE_CORS_ORIGINS: 'https://app.example.org',
    });
  });
  afterAll(async () => {
    await server?.stop();
    rmSync(server.dataDir, { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
  });

  it('SmartConnect launches through /paraview/, connects through the router with the secret, and an RPC answers', async () => {
    const session = await smartConnect(`${server.base}/demo.html`, {
      application: 'wslink',
      sessionManagerURL: `${server.base}/paraview/`,
      headers: { Authorization: `Bearer ${alice}` },
    });
    expect(await session.call('app.add', [2, 3])).toBe(5);
    expect(await session.call('app.echo', ['trame'])).toBe('trame');
    session.destroy();
  });

  it('replies 200 {id, sessionURL, secret} once READY; a new process per POST, the same session for a retried Idempotency-Key', async () => {
    const first = await post('{"application":"wslink","launcherRetry":[100,200]}');
    expect(first.status).toBe(200);
    const a = (await first.json()) as { id: string; sessionURL: string; secret: string; status: string };
    expect(a).toMatchObject({ status: 'READY', secret: expect.stringMatching(/^[0-9a-f]{40}$/) });
    // The demo takes its secret from its environment: no user of the machine reads it in `ps` (#11 m11).
    const { pid } = JSON.parse(readFileSync(join(server.dataDir, 'run', `${a.id}.json`), 'utf8')) as { pid: number };
    expect(readFileSync(`/proc/${pid}/cmdline`, 'utf8')).toContain('wslink-app.mjs');
    expect(readFileSync(`/proc/${pid}/cmdline`, 'utf8')).not.toContain(a.secret);
    expect(a.sessionURL).toMatch(new RegExp(`/proxy\\?sessionId=${a.id}&path=ws&token=`));
    // As the wslink launcher and the trame image do: each POST, a process of its own (#35: two tabs, two).
    const second = (await (await post('{"application":"wslink","launcherRetry":[200]}')).json()) as { id: string };
    expect(second.id).not.toBe(a.id);
    // A client that names its attempt gets that attempt's session on a retry, never a second one.
    const keyed = { 'idempotency-key': 'tab-1-attempt-1' };
    const k1 = (await (await post('{"application":"wslink"}', alice, keyed)).json()) as { id: string };
    const k2 = (await (await post('{"application":"wslink"}', alice, keyed)).json()) as { id: string };
    expect(k2.id).toBe(k1.id);
    for (const id of [second.id, k1.id])
      await fetch(`${server.base}/paraview/${id}`, { method: 'DELETE', headers: { authorization: `Bearer ${alice}` } });
    expect(
      await (await fetch(`${server.base}/paraview/${a.id}`, { headers: { authorization: `Bearer ${alice}` } })).json(),
    ).toMatchObject({
      id: a.id,
      sessionURL: a.sessionURL,
    });
    const other = await fetch(`${server.base}/paraview/${a.id}`, { headers: { authorization: `Bearer ${bob}` } });
    expect(other.status).toBe(404);
    expect(await other.json()).toEqual({ error: `No session with id "${a.id}".` });
    const del = await fetch(`${server.base}/paraview/${a.id}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${alice}` },
    });
    expect(await del.json()).toMatchObject({ id: a.id, status: 'STOPPED' });
    const again = (await (await post('{"application":"wslink"}')).json()) as { id: string };
    expect(again.id).not.toBe(a.id); // the old one ended: a new request
  });

  it.each<[string, string, string | null, number, string]>([
    ['no application', '{"useUrl":true}', alice, 400, 'The request is not complete'],
    ['a body that is not JSON', 'application=wslink', alice, 400, 'The request is not complete'],
    ['an unknown application', '{"application":"nope"}', alice, 404, 'No app named "nope".'],
    [
      'no credential',
      '{"application":"wslink"}',
      null,
      401,
      'A valid credential is required: Authorization: Bearer <token>.',
    ],
  ])('answers %s with JSON {"error"} and the launcher\'s status', async (_case, body, token, status, error) => {
    const res = await post(body, token);
    expect(res.status).toBe(status);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await res.json()).toEqual({ error });
  });

  it('allows the configured origin (CORS preflight and reply), and no other', async () => {
    const preflight = await fetch(`${server.base}/paraview/`, {
      method: 'OPTIONS',
      headers: {
        origin: 'https://app.example.org',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization',
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('https://app.example.org');
    expect(preflight.headers.get('access-control-allow-headers')).toMatch(/Authorization/i);
    const other = await fetch(`${server.base}/paraview/`, {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example.org', 'access-control-request-method': 'POST' },
    });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });
});
