import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalServer } from '../../functions/local/http-server';
import { fixtureApp } from '../support/apps';
import { startTestPlane, type TestPlane } from '../support/plane';

/** Sends raw bytes and returns the raw response (for what fetch will not send). */
function raw(port: number, bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(bytes));
    let out = '';
    socket.on('data', (d) => (out += d.toString()));
    socket.on('end', () => resolve(out));
    socket.on('error', reject);
    setTimeout(() => {
      socket.destroy();
      resolve(out);
    }, 3000);
  });
}

describe('ownership, limits and image policy', () => {
  let plane: TestPlane;
  let server: LocalServer;
  const launch = (user: string, body: unknown = { app: 'web' }) =>
    plane.request('/sessions', { method: 'POST', body: JSON.stringify(body), user });

  beforeAll(async () => {
    plane = await startTestPlane(
      {
        web: fixtureApp(),
        custom: fixtureApp([], { customImage: true }),
      },
      {
        SESSIONPLANE_RATE_LIMIT: '40',
        SESSIONPLANE_IMAGE_PREFIXES: 'ghcr.io/acme/, registry.example.org/viz/paraview',
        SESSIONPLANE_MAX_HEADER_BYTES: '4096',
      },
    );
    server = await plane.listen();
  });
  afterAll(async () => plane?.dispose());

  it("lets an admin see and stop anyone's session, and list every live one", async () => {
    const mine = (await (await launch('olga')).json()) as { id: string };
    const theirs = (await (await launch('pete')).json()) as { id: string };
    expect((await plane.request(`/sessions/${mine.id}`, { user: 'admin' })).status).toBe(200);
    const all = (await (await plane.request('/sessions?all=true', { user: 'admin' })).json()) as {
      sessions: { id: string; owner: string }[];
    };
    expect(all.sessions.map((s) => s.id)).toEqual(expect.arrayContaining([mine.id, theirs.id]));
    const stopped = await plane.request(`/sessions/${theirs.id}`, { method: 'DELETE', user: 'admin' });
    expect(await stopped.json()).toMatchObject({ status: 'STOPPED', statusReason: 'admin' });
  });

  it('refuses ?all=true to a user who is not an admin', async () => {
    const res = await plane.request('/sessions?all=true', { user: 'olga' });
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ code: 'auth.forbidden' });
  });

  it('takes an image only for apps that allow one, and only from the allowed prefixes', async () => {
    const ok = await launch('quin', { app: 'custom', image: 'ghcr.io/acme/viz:2' });
    expect(ok.status).toBe(202);
    const launched = (await ok.json()) as { id: string; image?: string };
    expect(launched.image).toBe('ghcr.io/acme/viz:2');
    expect((await plane.deps.store.get(launched.id))?.image).toBe('ghcr.io/acme/viz:2');
    // The owner sees which image the session runs; a session of the app's own image names none.
    expect(
      ((await (await plane.request(`/sessions/${launched.id}`, { user: 'quin' })).json()) as { image?: string }).image,
    ).toBe('ghcr.io/acme/viz:2');
    const denied = await launch('quin', { app: 'custom', image: 'ghcr.io/acme-evil/viz:2' });
    expect(denied.status).toBe(403);
    expect(await denied.json()).toMatchObject({ code: 'image.not_allowed' });
    const notForThisApp = await launch('quin', { app: 'web', image: 'ghcr.io/acme/viz:2' });
    expect(notForThisApp.status).toBe(400);
    expect(((await notForThisApp.json()) as { detail: string }).detail).toMatch(
      /image: app web does not take an image/,
    );
    expect((await plane.deps.store.listByOwner('quin')).items).toHaveLength(1);
  });

  it('refuses more than 50 params and over-long names', async () => {
    const params = Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`P${i}`, 'x']));
    expect((await launch('rita', { app: 'web', params })).status).toBe(400);
    expect((await launch('rita', { app: 'web', name: 'n'.repeat(65) })).status).toBe(400);
  });

  it('answers 431 problem+json to headers over the limit', async () => {
    const port = Number(new URL(server.url).port);
    const reply = await raw(port, `GET /sessions HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(8000)}\r\n\r\n`);
    expect(reply).toMatch(/^HTTP\/1\.1 431 /);
    expect(reply).toContain('application/problem+json');
    expect(reply).toContain('"code":"request.header_too_large"');
  });

  it('refuses a smuggling attempt (Content-Length with Transfer-Encoding) with 400 problem+json', async () => {
    const port = Number(new URL(server.url).port);
    const reply = await raw(
      port,
      'POST /sessions HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /apps HTTP/1.1\r\nHost: x\r\n\r\n',
    );
    expect(reply).toMatch(/^HTTP\/1\.1 400 /);
    expect(reply).toContain('"code":"request.malformed"');
    expect(reply.match(/HTTP\/1\.1/g)).toHaveLength(1); // the smuggled request was never answered
  });

  it("limits each user's request rate: 429 with Retry-After past the limit, others unaffected", async () => {
    const replies = await Promise.all(Array.from({ length: 45 }, () => plane.request('/apps', { user: 'sid' })));
    const limited = replies.filter((r) => r.status === 429);
    expect(limited).toHaveLength(5);
    expect(Number(limited[0]!.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await limited[0]!.json()).toMatchObject({ code: 'request.rate_limited', limit: 40 });
    expect((await plane.request('/apps', { user: 'tom' })).status).toBe(200);
  });
});

describe('local bearer tokens through the API', () => {
  it('lets the generated admin in, and nobody without a token', async () => {
    const plane = await startTestPlane({ web: fixtureApp() }, {}, { realAuth: true });
    try {
      const ok = await plane.request('/sessions?all=true', {
        user: null,
        headers: { authorization: `Bearer ${plane.adminToken}` },
      });
      expect(ok.status).toBe(200);
      const no = await plane.request('/sessions', { user: null, headers: { authorization: 'Bearer nope' } });
      expect(no.status).toBe(401);
      expect(no.headers.get('www-authenticate')).toBe('Bearer realm="sessionplane"');
    } finally {
      await plane.dispose();
    }
  });
});

describe('unauthenticated callers and guessed session ids (#11 m8)', () => {
  let plane: TestPlane;
  let server: LocalServer;
  beforeAll(async () => {
    plane = await startTestPlane({ web: fixtureApp() }, { SESSIONPLANE_ANONYMOUS_RATE_LIMIT: '5' });
    server = await plane.listen();
  });
  afterAll(async () => plane?.dispose());

  it('answers an address past its limit of unauthenticated requests 429, while a valid user goes on', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) statuses.push((await fetch(`${server.url}/sessions`)).status);
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429, 429, 429]);
    const limited = await fetch(`${server.url}/sessions`);
    expect(limited.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(await limited.json()).toMatchObject({ code: 'request.rate_limited' });
    expect((await fetch(`${server.url}/sessions`, { headers: { 'x-test-user': 'alice' } })).status).toBe(200);
  });

  it('stops reading the store for an address that guesses session ids', async () => {
    let reads = 0;
    const get = plane.deps.store.get.bind(plane.deps.store);
    plane.deps.store.get = (id) => {
      reads++;
      return get(id);
    };
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++)
      statuses.push((await fetch(`${server.url}/s/${i.toString(16).padStart(32, '0')}/?token=x`)).status);
    expect(statuses).toEqual([404, 404, 404, 404, 404, 429, 429, 429]);
    expect(reads).toBe(5);
    plane.deps.store.get = get;
  });
});
