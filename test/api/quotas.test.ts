import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureApp } from '../support/apps';
import { startTestPlane, type TestPlane } from '../support/plane';

describe('per-user quotas', () => {
  let plane: TestPlane;
  const launch = (user: string, body: unknown = { app: 'web' }) =>
    plane.request('/sessions', { method: 'POST', body: JSON.stringify(body), user });

  beforeAll(async () => {
    plane = await startTestPlane(
      {
        web: fixtureApp([], { resources: { cpu: 1, memory: 512, gpus: 0 }, limits: { cpu: 4, memory: 4096, gpus: 0 } }),
        broken: fixtureApp([], { command: ['/nonexistent/app'] }),
      },
      {
        SESSIONPLANE_MAX_SESSIONS_PER_USER: '3',
        SESSIONPLANE_MAX_CPU_PER_USER: '4',
        SESSIONPLANE_MAX_MEMORY_PER_USER: '8Gi',
        SESSIONPLANE_RATE_LIMIT: '100000',
      },
    );
  });
  afterAll(async () => plane?.dispose());

  it('lets exactly 3 of 50 concurrent launches by one user through a cap of 3', async () => {
    const replies = await Promise.all(Array.from({ length: 50 }, () => launch('quinn')));
    const statuses = replies.map((r) => r.status);
    expect(statuses.filter((s) => s === 202)).toHaveLength(3);
    expect(statuses.filter((s) => s === 429)).toHaveLength(47);
    const refusal = await replies.find((r) => r.status === 429)!.json();
    expect(refusal).toMatchObject({
      code: 'quota.exceeded',
      limit: 'sessions',
      max: 3,
      detail: 'User quinn has reached the maximum of 3 active sessions.',
    });
    expect((await plane.deps.store.listByOwner('quinn')).items).toHaveLength(3);
    expect(await plane.deps.quotas.get('quinn')).toEqual({ sessions: 3, jobs: 0, cpu: 3, memory: 1536, gpus: 0 });
    expect((await plane.runtime.list()).filter((i) => i.sessionId)).toHaveLength(3);
  });

  it('gives the quota back when a session stops, and only once however often it is stopped', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push(((await (await launch('rosa')).json()) as { id: string }).id);
    expect((await launch('rosa')).status).toBe(429);
    await Promise.all([1, 2, 3].map(() => plane.request(`/sessions/${ids[0]}`, { method: 'DELETE', user: 'rosa' })));
    expect(await plane.deps.quotas.get('rosa')).toMatchObject({ sessions: 2, cpu: 2 });
    expect((await launch('rosa')).status).toBe(202);
  });

  it('caps total cpu, and states the cap', async () => {
    expect((await launch('sam', { app: 'web', resources: { cpu: 3 } })).status).toBe(202);
    const res = await launch('sam', { app: 'web', resources: { cpu: 2 } });
    expect(res.status).toBe(429);
    expect(await res.json()).toMatchObject({
      code: 'quota.exceeded',
      limit: 'cpu',
      max: 4,
      detail: 'User sam would pass the limit of 4 vCPUs for active sessions.',
    });
    expect((await launch('sam', { app: 'web', resources: { cpu: 1 } })).status).toBe(202);
  });

  it('gives the quota back when a session fails to start', async () => {
    for (let i = 0; i < 4; i++) expect((await launch('tess', { app: 'broken' })).status).toBe(503);
    expect(await plane.deps.quotas.get('tess')).toEqual({ sessions: 0, jobs: 0, cpu: 0, memory: 0, gpus: 0 });
  });

  it('counts each user separately, and reads many users at once as one by one (the queue reads every waiting owner)', async () => {
    expect((await launch('uma')).status).toBe(202);
    expect(await plane.deps.quotas.get('uma')).toMatchObject({ sessions: 1 });
    const owners = ['uma', 'quinn', 'nobody-yet', ...Array.from({ length: 120 }, (_, i) => `many${i}`)];
    const many = await plane.deps.quotas.getMany(owners);
    expect([...many.keys()].sort()).toEqual([...owners].sort());
    for (const owner of ['uma', 'quinn', 'nobody-yet', 'many119'])
      expect(many.get(owner)).toEqual(await plane.deps.quotas.get(owner));
  });
});
