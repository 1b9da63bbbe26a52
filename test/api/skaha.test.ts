import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureApp } from '../support/apps';
import { startTestPlane, type TestPlane } from '../support/plane';
import { waitFor } from '../support/wait';

describe('skaha session API (/skaha/v0, /skaha/v1)', () => {
  let plane: TestPlane;
  const form = { 'content-type': 'application/x-www-form-urlencoded' };
  const launch = (body: string, user = 'sky', version = 'v1') =>
    plane.request(`/skaha/${version}/session`, { method: 'POST', body, headers: form, user });

  beforeAll(async () => {
    plane = await startTestPlane(
      {
        web: fixtureApp([], {
          image: 'ghcr.io/acme/web:1',
          params: { MODE: { type: 'string', enum: ['fast', 'slow'], maxLength: 10, required: false } },
          limits: { cpu: 4, memory: 8192, gpus: 0 },
        }),
        contributed: fixtureApp([], { customImage: true, limits: { cpu: 4, memory: 8192, gpus: 0 } }),
      },
      {
        SESSIONPLANE_MAX_SESSIONS_PER_USER: '2',
        SESSIONPLANE_IMAGE_PREFIXES: 'images.example.org/skaha/',
        SESSIONPLANE_MAX_CPU_PER_USER: '16',
        SESSIONPLANE_MAX_MEMORY_PER_USER: '16Gi',
      },
    );
  });
  afterAll(async () => plane?.dispose());

  it("launches from form or query params and answers a text/plain id; GET lists it with skaha's fields", async () => {
    const res = await launch('name=my-nb&app=web&cores=2&ram=4&env=MODE%3Dslow');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    const id = (await res.text()).trim();
    expect(id).toMatch(/^[0-9a-f]{32}$/);
    await waitFor(
      async () =>
        ((await (await plane.request(`/skaha/v1/session/${id}`, { user: 'sky' })).json()) as { status: string })
          .status === 'Running',
      10_000,
      'Running',
    );
    const list = (await (await plane.request('/skaha/v0/session', { user: 'sky' })).json()) as Record<string, string>[];
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({
      id,
      userid: 'sky',
      name: 'my-nb',
      image: 'ghcr.io/acme/web:1',
      status: 'Running',
      requestedCPUCores: '2',
      requestedRAM: '4.29',
      requestedGPUCores: '0',
      isFixedResources: true,
    });
    expect(list[0]!.startTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(list[0]!.connectURL).toMatch(new RegExp(`/s/${id}/\\?token=`));
    expect((await plane.deps.store.get(id))?.params).toEqual({ MODE: 'slow' });
    const byQuery = await plane.request('/skaha/v1/session?name=other&image=ghcr.io/acme/web:1', {
      method: 'POST',
      user: 'sky',
    });
    expect(byQuery.status).toBe(200);
  });

  it('gives logs and events as text/plain, renews, and deletes with 200', async () => {
    const id = (await (await launch('name=logs&app=web', 'ren')).text()).trim();
    await waitFor(
      async () =>
        ((await (await plane.request(`/skaha/v1/session/${id}`, { user: 'ren' })).json()) as { status: string })
          .status === 'Running',
      10_000,
      'Running',
    );
    // The Ready event is appended beside the READY write, so it may land a moment after the status.
    const table = await waitFor(
      async () => {
        const events = await plane.request(`/skaha/v1/session/${id}?view=events`, { user: 'ren' });
        expect(events.headers.get('content-type')).toMatch(/^text\/plain/);
        const lines = (await events.text()).split('\n');
        return lines.some((line) => line.startsWith('Normal   Ready') || / {3}Ready {3}/.test(line))
          ? lines
          : undefined;
      },
      10_000,
      'the Ready event',
    );
    expect(table[0]).toMatch(/^TYPE +REASON +MESSAGE +FIRST-TIME +LAST-TIME$/);
    expect(table.slice(1, 5).map((line) => line.split(/ {3,}/).slice(0, 2))).toEqual([
      ['Normal', 'Requested'],
      ['Normal', 'Started'],
      ['Normal', 'Probing'],
      ['Normal', 'Ready'],
    ]);
    expect(table[1]).toMatch(/Launch of web requested\. +\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ +\d{4}-/);
    expect(
      (await plane.request(`/skaha/v1/session/${id}?view=logs`, { user: 'ren' })).headers.get('content-type'),
    ).toMatch(/^text\/plain/);
    const before = (await plane.deps.store.get(id))!.expiresAt;
    await new Promise((r) => setTimeout(r, 20));
    const renew = await plane.request(`/skaha/v1/session/${id}?action=renew`, { method: 'POST', user: 'ren' });
    expect(renew.status).toBe(200);
    expect((await plane.deps.store.get(id))!.expiresAt).toBeGreaterThan(before);
    expect(await (await plane.request(`/skaha/v1/session/${id}`, { method: 'POST', user: 'ren' })).text()).toBe(
      'Cannot modify an existing session',
    );
    expect(
      await (await plane.request(`/skaha/v1/session/${id}?action=explode`, { method: 'POST', user: 'ren' })).text(),
    ).toMatch(/^unrecognized action/);
    expect((await plane.request(`/skaha/v1/session/${id}`, { method: 'DELETE', user: 'ren' })).status).toBe(200);
    expect((await plane.deps.store.get(id))?.status).toBe('STOPPED');
    expect((await plane.request(`/skaha/v1/session/${'0'.repeat(32)}`, { method: 'DELETE', user: 'ren' })).status).toBe(
      200,
    );
  });

  it("refuses in skaha's shape: text/plain, its codes, the session-cap message", async () => {
    const cases: [string, number, RegExp][] = [
      ['app=web', 400, /^Missing parameter 'name'$/],
      ['name=bad_name&app=web', 400, /^name can only contain alpha-numeric chars and '-'$/],
      ['name=x&image=docker.io/evil/x', 400, /^image not in a trusted repository$/],
      ['name=x&app=web&cmd=sh', 400, /^cmd: app web runs its own command, and takes none$/],
      ['name=x&app=web&args=-x', 400, /^args: app web takes no arguments$/],
      ['name=x&app=web&cores=lots', 400, /^Invalid value for 'cores'/],
      ['name=x&app=web&env=NOPE', 400, /^Invalid value for 'env'/],
      ['name=x&app=web&env=LD_PRELOAD%3D%2Fx.so', 400, /params\.LD_PRELOAD: not a parameter/],
      // Dropped without a word before (#33).
      ['name=x&app=web&env=__proto__%3D1', 400, /^Invalid env name '__proto__'/],
      ['name=x&app=web&env=A-B%3D1', 400, /^Invalid env name 'A-B'/],
    ];
    for (const [body, status, text] of cases) {
      const res = await launch(body, 'val');
      expect(res.status, body).toBe(status);
      expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
      expect(await res.text()).toMatch(text);
    }
    await launch('name=a&app=web', 'cap');
    await launch('name=b&app=web', 'cap');
    const capped = await launch('name=c&app=web', 'cap');
    expect(capped.status).toBe(400);
    expect(await capped.text()).toBe('User cap has reached the maximum of 2 active sessions.');
    const anonymous = await plane.request('/skaha/v1/session', { user: null });
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('content-type')).toMatch(/^text\/plain/);
    expect((await plane.request(`/skaha/v1/session/${'0'.repeat(32)}`, { user: 'val' })).status).toBe(404);
  });

  it('takes an image from an allowed registry for an app that accepts one', async () => {
    const res = await launch('name=ctb&image=images.example.org/skaha/carta:4&type=contributed', 'img');
    expect(res.status).toBe(200);
    expect(await plane.deps.store.get((await res.text()).trim())).toMatchObject({
      app: 'contributed',
      image: 'images.example.org/skaha/carta:4',
    });
  });

  it('describes /context and /image', async () => {
    const context = (await (await plane.request('/skaha/v1/context', { user: 'sky' })).json()) as {
      cores: { options: number[] };
      memoryGB: { options: number[] };
      maxInteractiveSessions: number;
    };
    // What every app /image offers can run within its limits and the user's caps.
    expect(context.cores.options).toEqual([1, 2, 3, 4]);
    expect(context.memoryGB.options).toEqual([1, 2, 4, 8]);
    expect(context.maxInteractiveSessions).toBe(2);
    expect(await (await plane.request('/skaha/v1/image', { user: 'sky' })).json()).toEqual([
      { id: 'ghcr.io/acme/web:1', types: ['contributed'], digest: '' },
    ]);
    expect((await plane.request('/skaha/v1/image?type=nope', { user: 'sky' })).status).toBe(400);
  });
});
