import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureApp, JOB_SCRIPT, jobApp } from '../support/apps';
import { waitFor } from '../support/wait';
import { startTestPlane, type TestPlane } from '../support/plane';

/**
 * The current skaha client (opencadc/canfar: `Session.create` → `utils/build.create_parameters`), request for request:
 * a POST to `session` with its parameters as a query string (httpx `params=`), the form content type and no body;
 * `name`, `image`, `cores` (default 1), `ram` (default 4), `type`, then `env` entries, among them `REPLICA_ID` and
 * `REPLICA_COUNT` on every create whatever the kind; `replicas=N` is N such creates named `<name>-<n>`. Every one of
 * them was a 400 before #37 (an env name the app does not declare).
 */
const IMAGE = 'images.canfar.net/skaha/notebook:1';
const BATCH_IMAGE = 'images.canfar.net/skaha/batch:1';

/** The query string of the canfar client's create number `replica` of `replicas` (its tuples, in its order). */
function createQuery(
  name: string,
  replica: number,
  replicas: number,
  env: Record<string, string> = {},
  headless?: { image: string; cmd: string; args: string },
): string {
  const tuples: [string, string][] = [
    ['name', replicas === 1 ? name : `${name}-${replica}`],
    ['image', headless?.image ?? IMAGE],
    ['cores', '1'],
    ['ram', '4'],
    ['type', headless ? 'headless' : 'notebook'],
    ...(headless
      ? ([
          ['cmd', headless.cmd],
          ['args', headless.args],
        ] as [string, string][])
      : []),
    ...Object.entries({ ...env, REPLICA_ID: String(replica), REPLICA_COUNT: String(replicas) }).map(
      ([k, v]): [string, string] => ['env', `${k}=${v}`],
    ),
  ];
  return new URLSearchParams(tuples).toString();
}

let plane: TestPlane;
beforeAll(async () => {
  plane = await startTestPlane(
    {
      notebook: fixtureApp([], {
        skahaImage: IMAGE,
        skahaType: 'notebook',
        limits: { cpu: 4, memory: 8192, gpus: 0 },
      }),
      batch: jobApp({ skahaImage: BATCH_IMAGE, limits: { cpu: 4, memory: 8192, gpus: 0 } }),
    },
    { SESSIONPLANE_MAX_SESSIONS_PER_USER: '10', SESSIONPLANE_MAX_CPU_PER_USER: '16' },
  );
});
afterAll(async () => plane?.dispose());

describe("the canfar client's own create requests, replayed against /skaha/v1", () => {
  const create = (query: string) =>
    plane.request(`/skaha/v1/session?${query}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      user: 'canfar',
    });

  it('one create (replicas=1): accepted, the id as text, REPLICA_ID=1 and REPLICA_COUNT=1 in its environment', async () => {
    const res = await create(createQuery('nb', 1, 1));
    expect(res.status, await res.clone().text()).toBe(200);
    const id = (await res.text()).trim();
    expect(await plane.deps.store.get(id)).toMatchObject({
      name: 'nb',
      app: 'notebook',
      params: { REPLICA_ID: '1', REPLICA_COUNT: '1' },
    });
  });

  it('replicas=3: three creates named <name>-<n>, each with its own REPLICA_ID, all listed by skaha', async () => {
    const ids: string[] = [];
    for (const n of [1, 2, 3]) {
      const res = await create(createQuery('sweep', n, 3));
      expect(res.status, await res.clone().text()).toBe(200);
      ids.push((await res.text()).trim());
    }
    for (const [i, id] of ids.entries())
      expect(await plane.deps.store.get(id)).toMatchObject({
        name: `sweep-${i + 1}`,
        params: { REPLICA_ID: String(i + 1), REPLICA_COUNT: '3' },
      });
    const listed = (await (await plane.request('/skaha/v1/session', { user: 'canfar' })).json()) as { name: string }[];
    expect(listed.map((s) => s.name)).toEqual(expect.arrayContaining(['sweep-1', 'sweep-2', 'sweep-3']));
  });

  it.each([
    [
      'a replica past the count',
      'REPLICA_ID=4&REPLICA_COUNT=3',
      /params\.REPLICA_ID: a whole number from 1 to REPLICA_COUNT/,
    ],
    ['a count past 512', 'REPLICA_ID=1&REPLICA_COUNT=513', /params\.REPLICA_COUNT: a whole number from 1 to 512/],
    ['a replica 0', 'REPLICA_ID=0&REPLICA_COUNT=3', /params\.REPLICA_ID/],
    ['not a number', 'REPLICA_ID=one&REPLICA_COUNT=3', /params\.REPLICA_ID/],
    ['one without the other', 'REPLICA_ID=1', /params\.REPLICA_ID: comes with REPLICA_COUNT/],
  ])('refuses %s with skaha’s 400 and starts nothing', async (_what, env, message) => {
    const before = (await plane.deps.store.listByOwner('canfar', { limit: 100 })).items.length;
    const query = `name=bad&image=${encodeURIComponent(IMAGE)}&type=notebook&${env
      .split('&')
      .map((kv) => `env=${encodeURIComponent(kv)}`)
      .join('&')}`;
    const res = await create(query);
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await res.text()).toMatch(message);
    expect((await plane.deps.store.listByOwner('canfar', { limit: 100 })).items.length).toBe(before);
  });

  it('kind=headless with cmd and args (its defaults: cores=1, ram=4, the replica pair): runs as a job to Completed', async () => {
    const ids: string[] = [];
    for (const n of [1, 2]) {
      const query = createQuery(
        'reduce',
        n,
        2,
        { ITEMS: '2' },
        { image: BATCH_IMAGE, cmd: process.execPath, args: `${JOB_SCRIPT} --n=${n}` },
      );
      const res = await create(query);
      expect(res.status, await res.clone().text()).toBe(200);
      ids.push((await res.text()).trim());
    }
    for (const [i, id] of ids.entries()) {
      // What the client's `info` and `ps` parse (its FetchResponse): skaha's fields, a headless type, Completed.
      const seen = await waitFor(
        async () => {
          const body = (await (await plane.request(`/skaha/v1/session/${id}`, { user: 'canfar' })).json()) as Record<
            string,
            unknown
          >;
          return body.status === 'Completed' || body.status === 'Failed' ? body : undefined;
        },
        20_000,
        `replica ${i + 1} to end`,
      );
      expect(seen).toMatchObject({
        id,
        name: `reduce-${i + 1}`,
        type: 'headless',
        status: 'Completed',
        connectURL: '',
      });
      for (const field of ['userid', 'runAsUID', 'runAsGID', 'supplementalGroups', 'image', 'startTime'])
        expect(seen).toHaveProperty(field);
      const logs = await (await plane.request(`/skaha/v1/session/${id}?view=logs`, { user: 'canfar' })).text();
      expect(logs).toContain(`args: ["--n=${i + 1}"]`);
      expect(logs).toContain(`replica ${i + 1} of 2`);
    }
  });

  it('replicas=N in one create (ours): a group of N jobs, one id a line; refused for an app that is not a job', async () => {
    const res = await create(`name=many&image=${encodeURIComponent(BATCH_IMAGE)}&type=headless&replicas=3`);
    expect(res.status, await res.clone().text()).toBe(200);
    const ids = (await res.text()).trim().split('\n');
    expect(ids).toHaveLength(3);
    const members = await Promise.all(ids.map((id) => plane.deps.store.get(id)));
    expect(new Set(members.map((m) => m?.group)).size).toBe(1);
    expect(members.map((m) => [m?.name, m?.params.REPLICA_ID, m?.params.REPLICA_COUNT])).toEqual([
      ['many-1', '1', '3'],
      ['many-2', '2', '3'],
      ['many-3', '3', '3'],
    ]);
    const refused = await create(`name=nb&image=${encodeURIComponent(IMAGE)}&type=notebook&replicas=2`);
    expect(refused.status).toBe(400);
    expect(await refused.text()).toBe('replicas: app notebook is not a job (kind: job)');
  });

  it('REST takes the same pair as params on any app (one rule for every door)', async () => {
    const res = await plane.request('/sessions', {
      method: 'POST',
      body: JSON.stringify({ app: 'notebook', params: { REPLICA_ID: 2, REPLICA_COUNT: 2 } }),
      user: 'rest-user',
    });
    expect(res.status, await res.clone().text()).toBe(202);
    const { id } = (await res.json()) as { id: string };
    expect((await plane.deps.store.get(id))?.params).toEqual({ REPLICA_ID: '2', REPLICA_COUNT: '2' });
  });
});
