import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureApp } from '../support/apps';
import { scanTable } from '../support/table';
import { startTestPlane, type TestPlane } from '../support/plane';
import { pidAlive, waitFor } from '../support/wait';

const apps = {
  web: fixtureApp([], {
    params: { MODE: { type: 'string', enum: ['fast', 'slow'], maxLength: 10, required: false } },
    limits: { cpu: 2, memory: 1024, gpus: 0 },
  }),
  broken: fixtureApp([], { command: ['/nonexistent/sessionplane-app'] }),
  crashy: fixtureApp(['--mode', 'exit', '--delay', '50']),
};

describe('control API', () => {
  let plane: TestPlane;
  // biome-ignore lint/suspicious/noExplicitAny: problem bodies and session views, read loosely by assertions
  const json = async (res: Response) => res.json() as Promise<Record<string, any>>;
  const launch = (body: unknown, user = 'alice') =>
    plane.request('/sessions', { method: 'POST', body: typeof body === 'string' ? body : JSON.stringify(body), user });
  const status = async (id: string, user = 'alice') =>
    (await json(await plane.request(`/sessions/${id}`, { user }))).status as string;
  const countOwned = async (user: string) => (await plane.deps.store.listByOwner(user)).items.length;

  beforeAll(async () => {
    plane = await startTestPlane(apps);
    plane.setPublicUrl('http://sessions.test:8080');
  });
  afterAll(async () => plane?.dispose());

  it('launches a session: 202 with URLs, token and secret, then READY, then DELETE stops its process', async () => {
    const res = await launch({ app: 'web', name: 'my-viz', params: { MODE: 'fast' } });
    expect(res.status).toBe(202);
    const body = await json(res);
    expect(res.headers.get('location')).toBe(`/sessions/${body.id}`);
    expect(body).toMatchObject({
      app: 'web',
      name: 'my-viz',
      owner: 'alice',
      params: { MODE: 'fast' },
      resources: { cpu: 1, memory: 512, gpus: 0 },
    });
    expect(['PENDING', 'STARTING', 'READY']).toContain(body.status);
    expect(body.id).toMatch(/^[0-9a-f]{32}$/);
    expect(body.token).toMatch(/^[0-9a-f]{40}$/);
    expect(body.sessionURL).toBe(`ws://sessions.test:8080/proxy?sessionId=${body.id}&path=ws&token=${body.token}`);
    expect(body.connectURL).toBe(`http://sessions.test:8080/s/${body.id}/?token=${body.token}`);
    expect(JSON.stringify(body)).not.toContain('tokenHash');

    await waitFor(async () => (await status(body.id)) === 'READY', 10_000, 'READY');
    const shown = await json(await plane.request(`/sessions/${body.id}`));
    // The owner can always get their session's working URLs again (derived, never stored).
    expect(shown).toMatchObject({ token: body.token, secret: body.secret, sessionURL: body.sessionURL });
    expect(shown.readyAt).toMatch(/^\d{4}-\d\d-\d\dT/);
    const asAdmin = await json(await plane.request(`/sessions/${body.id}`, { user: 'admin' }));
    expect(asAdmin.token).toBeUndefined();
    expect(asAdmin.sessionURL).not.toContain('token=');
    const listed = await json(await plane.request('/sessions'));
    expect(JSON.stringify(listed)).not.toContain(body.token);
    const stored = await plane.deps.store.get(body.id);
    const pid = Number(stored!.runtime!.runtimeId.split(':')[2]);
    expect(pidAlive(pid)).toBe(true);

    const del = await plane.request(`/sessions/${body.id}`, { method: 'DELETE' });
    expect(del.status).toBe(200);
    const stopped = await json(del);
    expect(stopped).toMatchObject({ status: 'STOPPED', statusReason: 'user' });
    expect(pidAlive(pid)).toBe(false);
    const again = await plane.request(`/sessions/${body.id}`, { method: 'DELETE' });
    expect(again.status).toBe(200);
    expect((await json(again)).stoppedAt).toBe(stopped.stoppedAt);
  });

  it("lists only the caller's sessions, newest first", async () => {
    const a = await json(await launch({ app: 'web' }, 'carol'));
    const b = await json(await launch({ app: 'web' }, 'carol'));
    await launch({ app: 'web' }, 'dave');
    const list = await json(await plane.request('/sessions', { user: 'carol' }));
    expect(list.sessions.map((s: { id: string }) => s.id)).toEqual([b.id, a.id]);
    const page = await json(await plane.request('/sessions?limit=1', { user: 'carol' }));
    expect(page.sessions).toHaveLength(1);
    expect(page.cursor).toBeTruthy();
  });

  it("hides another user's session: 404 for GET and DELETE, and it keeps running", async () => {
    const mine = await json(await launch({ app: 'web' }, 'erin'));
    for (const method of ['GET', 'DELETE']) {
      const res = await plane.request(`/sessions/${mine.id}`, { method, user: 'mallory' });
      expect(res.status).toBe(404);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
    }
    expect(await status(mine.id, 'erin')).not.toMatch(/STOP/);
  });

  it('answers 401 problem+json without a credential', async () => {
    const res = await plane.request('/sessions', { user: null });
    expect(res.status).toBe(401);
    expect(await json(res)).toMatchObject({ status: 401, code: 'auth.unauthenticated' });
  });

  it.each<[string, unknown, number, string, RegExp]>([
    ['an unknown app', { app: 'nope' }, 404, 'app.not_found', /nope/],
    ['a body that is not JSON', '{"app": ', 400, 'request.invalid', /not valid JSON/],
    ['a missing app', { name: 'x' }, 400, 'request.invalid', /app:/],
    ['an unknown field', { app: 'web', imagee: 'x' }, 400, 'request.invalid', /imagee/],
    ['a wrong type', { app: 'web', resources: { cpu: 'two' } }, 400, 'request.invalid', /resources\.cpu/],
    ['a bad name', { app: 'web', name: '../etc' }, 400, 'request.invalid', /name:/],
    [
      'an undeclared param',
      { app: 'web', params: { LD_PRELOAD: '/x.so' } },
      400,
      'request.invalid',
      /params\.LD_PRELOAD: not a parameter/,
    ],
    [
      'a param outside its enum',
      { app: 'web', params: { MODE: 'turbo' } },
      400,
      'request.invalid',
      /params\.MODE: must be one of/,
    ],
    [
      "resources above the app's limits",
      { app: 'web', resources: { cpu: 64 } },
      400,
      'request.invalid',
      /resources\.cpu: at most 2/,
    ],
    ['a JSON array', [1, 2], 400, 'request.invalid', /expected object/],
    [
      'a param name that is too long',
      { app: 'web', params: { ['K'.repeat(200)]: 'x' } },
      400,
      'request.invalid',
      /params\.K+: Too big: expected string to have <=128 characters/,
    ],
  ])('refuses %s with problem+json and stores nothing', async (_case, body, code, problemCode, detail) => {
    const before = await countOwned('frank');
    const res = await launch(body, 'frank');
    expect(res.status).toBe(code);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    const problem = await json(res);
    expect(problem).toMatchObject({ status: code, code: problemCode, instance: '/sessions' });
    expect(problem.type).toBe(`urn:sessionplane:problem:${problemCode}`);
    expect(problem.detail).toMatch(detail);
    expect(await countOwned('frank')).toBe(before);
  });

  it.each([
    ['a cpu that underflows', '{"app":"web","resources":{"cpu":1e-300}}', /resources\.cpu: at least 0\.001/],
    ['a __proto__ key', '{"app":"web","__proto__":{"admin":true}}', /reserved key "__proto__"/],
    ['a nested constructor key', '{"app":"web","params":{"constructor":"x"}}', /reserved key "constructor"/],
    ['a byte-order mark', '\ufeff{"app":"web"}', /byte-order mark/],
  ])('refuses %s with 400 problem+json and stores nothing (#11 M3, m3)', async (_case, body, detail) => {
    const before = await countOwned('frank');
    const res = await plane.request('/sessions', { method: 'POST', body, user: 'frank' });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect((await json(res)).detail).toMatch(detail);
    expect(await countOwned('frank')).toBe(before);
  });

  it('refuses a well-formed cursor with a bad field: 400, never 500 (#11 M3)', async () => {
    const cursor = (key: unknown) => Buffer.from(JSON.stringify(key)).toString('base64url');
    const id = 'a'.repeat(32);
    for (const key of [
      { id: '', owner: 'alice', createdAt: 1 },
      { id, owner: 'alice', createdAt: 1e308 },
      { id, owner: 'alice', createdAt: 1e-200 },
      // biome-ignore lint/correctness/noPrecisionLoss: the issue's exact input, past 2^53
      { id, owner: 'alice', createdAt: 12345678901234567890 },
      { id, owner: 'alice', createdAt: -1 },
      { id, owner: 'bob', createdAt: 1 },
      { id, owner: 'alice', createdAt: 1, extra: 1 },
    ]) {
      const res = await plane.request(`/sessions?cursor=${cursor(key)}`, { user: 'alice' });
      expect(res.status, JSON.stringify(key)).toBe(400);
      expect(await json(res)).toMatchObject({ code: 'request.invalid' });
    }
    expect(
      (await plane.request(`/sessions?cursor=${cursor({ id, owner: 'alice', createdAt: 1 })}`, { user: 'alice' }))
        .status,
    ).toBe(200);
  });

  it('refuses an oversize body with 413 and stores nothing', async () => {
    const res = await launch({ app: 'web', name: 'x', params: { MODE: 'x'.repeat(100_000) } }, 'grace');
    expect(res.status).toBe(413);
    expect(await json(res)).toMatchObject({ code: 'request.too_large' });
    expect(await countOwned('grace')).toBe(0);
  });

  it('answers 404 for malformed and unknown ids, and for unknown routes', async () => {
    for (const path of ['/sessions/..%2f..%2fetc', '/sessions/ABC', `/sessions/${'0'.repeat(32)}`, '/nothing-here']) {
      const res = await plane.request(path);
      expect(res.status).toBe(404);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
    }
  });

  it('records a start failure as FAILED and answers 503', async () => {
    const res = await launch({ app: 'broken' }, 'heidi');
    expect(res.status).toBe(503);
    expect(await json(res)).toMatchObject({ code: 'runtime.start_failed' });
    const [session] = (await plane.deps.store.listByOwner('heidi')).items;
    expect(session).toMatchObject({ status: 'FAILED' });
    expect(session!.statusReason).toMatch(/start-failed: Could not start/);
  });

  it('marks an app that exits before it is ready FAILED, with the exit code', async () => {
    const body = await json(await launch({ app: 'crashy' }, 'ivan'));
    await waitFor(async () => (await status(body.id, 'ivan')) === 'FAILED', 10_000, 'FAILED');
    expect((await json(await plane.request(`/sessions/${body.id}`, { user: 'ivan' }))).statusReason).toBe(
      'exited-before-ready: exit code 3',
    );
  });

  it('marks a READY session whose app exits STOPPED with reason app-exited', async () => {
    const body = await json(await launch({ app: 'web' }, 'judy'));
    await waitFor(async () => (await status(body.id, 'judy')) === 'READY', 10_000, 'READY');
    const stored = await plane.deps.store.get(body.id);
    process.kill(Number(stored!.runtime!.runtimeId.split(':')[2]), 'SIGKILL');
    await waitFor(async () => (await status(body.id, 'judy')) === 'STOPPED', 10_000, 'STOPPED');
    expect((await plane.deps.store.get(body.id))!.statusReason).toBe('app-exited: signal SIGKILL');
  });

  it('lists the apps without their commands or env', async () => {
    const body = await json(await plane.request('/apps'));
    expect(body.apps.map((a: { name: string }) => a.name)).toEqual(['web', 'broken', 'crashy']);
    expect(JSON.stringify(body)).not.toContain('command');
    expect(body.apps[0]).toMatchObject({ launchTimeoutSeconds: 10, params: { MODE: { enum: ['fast', 'slow'] } } });
  });

  it('answers /healthz without a credential', async () => {
    const res = await plane.request('/healthz', { user: null });
    expect(res.status).toBe(200);
  });
});

describe('control API: no capacity', () => {
  it('answers 503 with Retry-After when the port range is used up and the caller does not wait (queue: false), and stores nothing (#11 m12)', async () => {
    const plane = await startTestPlane({ web: fixtureApp() });
    try {
      // Narrow the range to what the first session takes.
      const first = (await (await plane.request('/sessions', { method: 'POST', body: '{"app":"web"}' })).json()) as {
        id: string;
      };
      await waitFor(async () => (await plane.deps.store.get(first.id))?.status === 'READY', 10_000, 'READY');
      const port = Number((await plane.deps.store.get(first.id))!.runtime!.endpoint!.split(':')[1]);
      const narrow = await startTestPlane({ web: fixtureApp() }, { SESSIONPLANE_PORT_RANGE: `${port}-${port}` });
      try {
        const res = await narrow.request('/sessions', { method: 'POST', body: '{"app":"web","queue":false}' });
        expect(res.status).toBe(503);
        expect(res.headers.get('retry-after')).toBe('5');
        expect(await res.json()).toMatchObject({ code: 'runtime.no_capacity' });
        expect((await narrow.deps.store.listByOwner('alice')).items).toEqual([]);
        expect((await narrow.deps.quotas.get('alice')).sessions).toBe(0);
        // Not even an event log: the refused launch left no item of its own in the table.
        expect(
          (await scanTable(narrow.dynamodbEndpoint, 'sessionplane-sessions')).filter((item) =>
            String(item.id).startsWith('events#'),
          ),
        ).toEqual([]);
      } finally {
        await narrow.dispose();
      }
    } finally {
      await plane.dispose();
    }
  });
});
