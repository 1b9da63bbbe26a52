import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureApp } from '../support/apps';
import { startTestPlane, type TestPlane } from '../support/plane';
import { waitFor } from '../support/wait';

/**
 * skaha's behaviour, row by row, as its source has it (opencadc/science-platform, skaha/src/main/
 * java/org/opencadc/skaha/: session/{PostAction,GetAction,DeleteAction,SessionBuilder}.java,
 * context/, image/, capabilities.xml), against /skaha/v1 and its alias /skaha/v0. Each test names
 * the row of issue #20 it encodes.
 */
const WEB = 'images.example.org/skaha/web:1';
const DESK = 'images.example.org/skaha/desk:2';
const big = { limits: { cpu: 4, memory: 8192, gpus: 0 } };

let plane: TestPlane;
beforeAll(async () => {
  plane = await startTestPlane(
    {
      web: fixtureApp([], { ...big, image: WEB, params: { MODE: { type: 'string', maxLength: 10, required: false } } }),
      desk: fixtureApp(['--ready-line', 'hello from desk'], { ...big, skahaImage: DESK, skahaType: 'desktop' }),
      batch: fixtureApp([], { ...big, skahaImage: 'images.example.org/skaha/batch:1', skahaType: 'headless' }),
      custom: fixtureApp([], { ...big, customImage: true, skahaType: 'notebook' }),
    },
    {
      SESSIONPLANE_MAX_SESSIONS_PER_USER: '20',
      SESSIONPLANE_MAX_CPU_PER_USER: '16',
      SESSIONPLANE_MAX_MEMORY_PER_USER: '32Gi',
      SESSIONPLANE_IMAGE_PREFIXES: 'images.example.org/users/',
    },
  );
});
afterAll(async () => plane?.dispose());

describe.each(['v1', 'v0'])('skaha at /skaha/%s, exactly', (version) => {
  const S = `/skaha/${version}`;
  const form = { 'content-type': 'application/x-www-form-urlencoded' };
  const as = (who: string) => `${version}-${who}`;
  const post = (body: string, who = 'sky') =>
    plane.request(`${S}/session`, { method: 'POST', body, headers: form, user: as(who) });
  const get = (path: string, who = 'sky') => plane.request(`${S}${path}`, { user: as(who) });
  const refused = async (res: Response, status: number, text: string) => {
    expect(res.status).toBe(status);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await res.text()).toBe(text);
  };
  const launched = async (body: string, who = 'sky') => {
    const res = await post(body, who);
    expect(res.status, await res.clone().text()).toBe(200);
    return (await res.text()).trim();
  };
  const one = async (id: string, who = 'sky') =>
    (await (await get(`/session/${id}`, who)).json()) as Record<string, unknown>;
  const running = (id: string, who = 'sky') =>
    waitFor(async () => (await one(id, who)).status === 'Running', 10_000, `${id} Running`);

  it('image=: launches the app whose image it is, and answers its id as text/plain (row: image= with the apps file)', async () => {
    const res = await post(`name=nb&image=${encodeURIComponent(WEB)}&env=MODE%3Dfast`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    const id = (await res.text()).trim();
    const session = await plane.deps.store.get(id);
    expect(session).toMatchObject({ app: 'web', params: { MODE: 'fast' } });
  });

  it('session JSON: runAsUID/runAsGID as strings ("" when unknown) and supplementalGroups always; no metrics, no *InUse (row: session JSON)', async () => {
    const id = await launched('name=json&image=images.example.org/skaha/web:1', 'json');
    const view = await one(id, 'json');
    // Known where sessions run as their owner's uid (a root server: #33), else "".
    const runAs = (await plane.deps.store.get(id))?.runAs;
    expect(view).toMatchObject({
      runAsUID: runAs ? String(runAs.uid) : '',
      runAsGID: runAs ? String(runAs.gid) : '',
      supplementalGroups: [],
    });
    expect(view).not.toHaveProperty('ramInUse');
    expect(view).not.toHaveProperty('cpuCoresInUse');
  });

  it("image is the container image; type the app's skaha type (rows: image field, type)", async () => {
    const web = await one(await launched(`name=a&image=${WEB}`, 'types'), 'types');
    expect(web).toMatchObject({ image: WEB, type: 'contributed' });
    const desk = await one(await launched(`name=b&image=${DESK}&type=desktop`, 'types'), 'types');
    expect(desk).toMatchObject({ image: DESK, type: 'desktop' });
    await refused(
      await post(`name=c&image=${WEB}&type=notebook`, 'types'),
      400,
      `image/type mismatch: ${WEB}/notebook`,
    );
    await refused(await post(`name=c&image=${WEB}&type=bogus`, 'types'), 400, 'Illegal session type: bogus');
  });

  it('requestedRAM is decimal GB with two places and no unit; requestedCPUCores "1" or "0.250" (rows: requestedRAM, requestedCPUCores)', async () => {
    const sized = await one(await launched(`name=sized&image=${WEB}&ram=1&cores=1`, 'sizes'), 'sizes');
    expect(sized).toMatchObject({ requestedRAM: '1.07', requestedCPUCores: '1' });
    const plain = await one(await launched(`name=plain&image=${WEB}`, 'sizes'), 'sizes');
    expect(plain).toMatchObject({ requestedRAM: '0.54', requestedCPUCores: '1' });
  });

  it('after DELETE a session is gone from the list, and GET is 404 (row: after DELETE)', async () => {
    const id = await launched(`name=gone&image=${WEB}`, 'del');
    await running(id, 'del');
    expect((await plane.request(`${S}/session/${id}`, { method: 'DELETE', user: as('del') })).status).toBe(200);
    expect(((await (await get('/session', 'del')).json()) as unknown[]).length).toBe(0);
    await refused(await get(`/session/${id}`, 'del'), 404, `session ${id} not found.`);
    // The native API keeps its history.
    expect((await plane.request(`/sessions/${id}`, { user: as('del') })).status).toBe(200);
  });

  it("checks image first, then name: skaha's words for each (rows: missing image, missing name, bad name)", async () => {
    await refused(await post(''), 400, "Missing parameter 'image'");
    await refused(await post(`image=${WEB}`), 400, "Missing parameter 'name'");
    await refused(
      await post(`image=${WEB}&name=no_underscores`),
      400,
      "name can only contain alpha-numeric chars and '-'",
    );
  });

  it('cores, ram and gpus: among /context options, or skaha\'s "Invalid value" (rows: cores, ram, gpus)', async () => {
    const context = (await (await get('/context')).json()) as {
      cores: { options: number[] };
      memoryGB: { options: number[] };
      gpus: { options: number[] };
    };
    expect(context.cores.options).toEqual([1, 2, 3, 4]);
    expect(context.memoryGB.options).toEqual([1, 2, 4, 8]);
    expect(context.gpus.options).toEqual([]);
    await refused(await post(`name=n&image=${WEB}&cores=99`), 400, "Invalid value for 'cores': 99");
    await refused(await post(`name=n&image=${WEB}&cores=1.5`), 400, "Invalid value for 'cores': 1.5");
    await refused(await post(`name=n&image=${WEB}&ram=3`), 400, "Invalid value for 'ram': 3");
    await refused(await post(`name=n&image=${WEB}&gpus=1`), 400, "Invalid value for 'gpus': 1");
    // The largest of each option is accepted, for every app /image offers.
    for (const image of [WEB, DESK]) {
      const id = await launched(`name=max&image=${image}&cores=4&ram=8`, 'max');
      expect(await plane.deps.store.get(id)).toMatchObject({ resources: { cpu: 4, memory: 8192 } });
      await plane.request(`${S}/session/${id}`, { method: 'DELETE', user: as('max') });
    }
  });

  it("an image from no trusted repository, or none the catalog knows, is refused in skaha's words (row: untrusted image)", async () => {
    await refused(await post('name=n&image=docker.io/library/busybox:1'), 400, 'image not in a trusted repository');
    await refused(
      await post('name=n&image=images.example.org/skaha/unknown:1'),
      400,
      'image not in a trusted repository',
    );
    // Under the allowed prefixes, the app that takes any image runs it.
    const id = await launched('name=mine&image=images.example.org/users/me/tool:3&type=notebook', 'custom');
    expect(await one(id, 'custom')).toMatchObject({ image: 'images.example.org/users/me/tool:3', type: 'notebook' });
  });

  it("unknown ids: GET 404 and renew 400 in skaha's words; DELETE of all is refused (rows: GET unknown, DELETE /session, renew)", async () => {
    const ghost = '0123456789abcdef0123456789abcdef';
    await refused(await get(`/session/${ghost}`), 404, `session ${ghost} not found.`);
    await refused(
      await plane.request(`${S}/session`, { method: 'DELETE', user: as('sky') }),
      400,
      'Cannot kill all sessions.',
    );
    const renew = (id: string) =>
      plane.request(`${S}/session/${id}?action=renew`, { method: 'POST', user: as('renew') });
    await refused(await renew(ghost), 400, `No active job for user ${as('renew')} with session ${ghost}`);
    const id = await launched(`name=r&image=${WEB}`, 'renew');
    await running(id, 'renew');
    expect((await renew(id)).status).toBe(200);
    await plane.request(`${S}/session/${id}`, { method: 'DELETE', user: as('renew') });
    await refused(await renew(id), 400, `No active job for user ${as('renew')} with session ${id}`);
    await refused(
      await plane.request(`${S}/session/${ghost}`, { method: 'POST', user: as('renew') }),
      400,
      'Cannot modify an existing session',
    );
    await refused(
      await plane.request(`${S}/session/${ghost}?action=pause`, { method: 'POST', user: as('renew') }),
      400,
      'unrecognized action',
    );
  });

  it('view=stats: instances, cores and RAM against what the machine has (row: view=stats)', async () => {
    const stats = (await (await get('/session?view=stats')).json()) as Record<string, Record<string, unknown>>;
    expect(Object.keys(stats)).toEqual(['instances', 'cores', 'ram']);
    expect(stats.instances).toEqual({
      session: expect.any(Number),
      desktopApp: 0,
      headless: expect.any(Number),
      total: expect.any(Number),
    });
    expect(stats.cores).toMatchObject({
      requestedCPUCores: expect.any(Number),
      cpuCoresAvailable: expect.any(Number),
      maxCPUCores: { cpuCores: expect.any(Number) },
    });
    expect(stats.ram!.ramAvailable).toMatch(/^\d+(\.\d+)?G$/);
  });

  it("view=all: everyone's sessions as {userid, type, status, startTime} to anyone (row: view=all)", async () => {
    await launched(`name=seen&image=${DESK}`, 'other');
    const all = (await (await get('/session?view=all', 'viewer')).json()) as Record<string, string>[];
    const theirs = all.find((s) => s.userid === as('other'));
    expect(theirs).toBeDefined();
    expect(Object.keys(theirs!).sort()).toEqual(['startTime', 'status', 'type', 'userid']);
    expect(theirs!.type).toBe('desktop');
  });

  it('?type= and ?status= filter the list (row: filters)', async () => {
    const a = await launched(`name=f1&image=${WEB}`, 'filter');
    const b = await launched(`name=f2&image=${DESK}`, 'filter');
    await running(a, 'filter');
    await running(b, 'filter');
    const ids = async (q: string) =>
      ((await (await get(`/session${q}`, 'filter')).json()) as { id: string }[]).map((s) => s.id);
    expect(await ids('?type=desktop')).toEqual([b]);
    expect((await ids('?status=Running')).sort()).toEqual([a, b].sort());
    expect(await ids('?status=Pending')).toEqual([]);
  });

  it("view=logs is the app's raw output, no time in front (row: view=logs)", async () => {
    const id = await launched(`name=logs&image=${DESK}`, 'logs');
    await running(id, 'logs');
    const text = await waitFor(
      async () => {
        const body = await (await get(`/session/${id}?view=logs`, 'logs')).text();
        return body.includes('hello from desk') ? body : undefined;
      },
      10_000,
      'the log line',
    );
    expect(text).toMatch(/^hello from desk http:\/\/127\.0\.0\.1:\d+\/\n$/);
  });

  it('/image: [{id, types, digest}] with skaha types, ?type= filtering; /repository: the hosts (rows: /image, /repository)', async () => {
    const images = (await (await get('/image')).json()) as { id: string; types: string[] }[];
    expect(images).toEqual(
      expect.arrayContaining([
        { id: WEB, types: ['contributed'], digest: '' },
        { id: DESK, types: ['desktop'], digest: '' },
      ]),
    );
    expect(((await (await get('/image?type=headless')).json()) as { id: string }[]).map((i) => i.id)).toEqual([
      'images.example.org/skaha/batch:1',
    ]);
    await refused(await get('/image?type=weird'), 400, 'Illegal session type: weird');
    expect(await (await get('/repository')).json()).toEqual(['images.example.org']);
  });
});

describe("skaha's VOSI documents", () => {
  it('serves /skaha/capabilities and /skaha/availability without a credential (row: VOSI)', async () => {
    const caps = await plane.request('/skaha/capabilities', { user: null });
    expect(caps.status).toBe(200);
    expect(caps.headers.get('content-type')).toMatch(/^text\/xml/);
    const xml = await caps.text();
    expect(xml).toContain('standardID="http://www.opencadc.org/std/platform#session-1"');
    expect(xml).toMatch(/<accessURL use="base">http:\/\/[^<]+\/skaha\/v1\/session<\/accessURL>/);
    const availability = await (await plane.request('/skaha/availability', { user: null })).text();
    expect(availability).toContain('<vosi:available>true</vosi:available>');
    expect((await plane.request('/skaha/v1/session', { user: null })).status).toBe(401);
  });
});
