import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { transition } from '../../shared/domain/transitions';
import type { UsageRecord } from '../../shared/domain/usage';
import { reap } from '../../shared/services/reaper/reap';
import { fixtureApp } from '../support/apps';
import { makeSession } from '../support/sessions';
import { settledStart, startTestPlane, type TestPlane } from '../support/plane';
import { waitFor } from '../support/wait';

const PRICES = {
  FARGATE: { vcpuHour: 0.04, gbHour: 0.004, gpuHour: 0 },
  FARGATE_SPOT: { vcpuHour: 0.012, gbHour: 0.0012, gpuHour: 0 },
};

/** Usage records: one per ended session, whatever ended it; the reaper writes what a crash left; GET /usage totals them (#21). */
describe('usage records', () => {
  let plane: TestPlane;
  beforeAll(async () => {
    plane = await startTestPlane(
      { echo: fixtureApp(), spot: fixtureApp([], { capacity: 'FARGATE_SPOT' }) },
      { SESSIONPLANE_PRICES: JSON.stringify(PRICES), SESSIONPLANE_MAX_SESSIONS_PER_USER: '20' },
    );
  });
  afterAll(async () => plane?.dispose());

  const launch = async (user = 'alice', app = 'echo') => {
    const res = await plane.request('/sessions', {
      method: 'POST',
      body: JSON.stringify({ app }),
      headers: { 'content-type': 'application/json' },
      user,
    });
    expect(res.status).toBe(202);
    return settledStart(plane, ((await res.json()) as { id: string }).id);
  };
  const recordsOf = async (id: string) => {
    const found: UsageRecord[] = [];
    for await (const r of plane.deps.usage!.list({ from: Date.now() - 3600_000, to: Date.now() + 60_000 }))
      if (r.sessionId === id) found.push(r);
    return found;
  };
  const unrecorded = async () => {
    const ids: string[] = [];
    for await (const s of plane.deps.store.listUnrecorded()) ids.push(s.id);
    return ids;
  };

  it('writes exactly one record per session when two stops and a reaper pass race', async () => {
    const s = await launch();
    // The SessionSeconds metric goes with the record: once (a spy on the real metrics, to count).
    const seconds: string[] = [];
    const sessionSeconds = plane.deps.metrics.sessionSeconds;
    plane.deps.metrics.sessionSeconds = (app, n) => {
      seconds.push(app);
      sessionSeconds(app, n);
    };
    const stop = () => plane.request(`/sessions/${s.id}`, { method: 'DELETE', user: 'alice' });
    await Promise.all([stop(), stop(), reap(plane.deps, { concurrency: 4, callTimeoutMs: 5000 }), stop()]);
    await waitFor(async () => (await plane.deps.store.get(s.id))?.status === 'STOPPED', 10_000, 'STOPPED');
    await plane.settled();
    await reap(plane.deps, { concurrency: 4, callTimeoutMs: 5000 });
    const records = await recordsOf(s.id);
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({
      owner: 'alice',
      app: 'echo',
      runtime: 'local',
      capacity: 'FARGATE',
      reason: 'user',
      cpu: 1,
      memory: 512,
      gpus: 0,
      pooled: false,
    });
    expect(records[0]!.endedAt).toBeGreaterThanOrEqual(records[0]!.startedAt);
    expect(await unrecorded()).not.toContain(s.id);
    expect(seconds).toEqual(['echo']);
    plane.deps.metrics.sessionSeconds = sessionSeconds;
  });

  it('lets the reaper write the record a crash between the end and the record left out', async () => {
    const s = await launch('carol');
    // What a crash leaves: the session ended in the store (written there directly, as a process
    // that died between the end and its record would have), its usage never written.
    const current = (await plane.deps.store.get(s.id))!;
    await plane.deps.store.transition(current, transition(current, 'STOPPED', { statusReason: 'user' }, Date.now()));
    expect(await recordsOf(s.id)).toEqual([]);
    expect(await unrecorded()).toContain(s.id);
    const summary = await reap(plane.deps, { concurrency: 4, callTimeoutMs: 5000 });
    expect(summary).toMatchObject({ errors: 0, usageRepaired: 1 });
    expect(await recordsOf(s.id)).toEqual([expect.objectContaining({ owner: 'carol', reason: 'user' })]);
    expect(await unrecorded()).not.toContain(s.id);
  });

  it('totals a seeded month by app and by user, prices it, and gives CSV; users see only their own', async () => {
    const day = (d: number, h = 0) => Date.UTC(2026, 10, d, h);
    const seed = (
      id: string,
      owner: string,
      app: string,
      capacity: string,
      start: number,
      hours: number,
      cpu: number,
      memory: number,
    ) =>
      plane.deps.usage!.record({
        sessionId: id.padEnd(32, '0'),
        owner,
        app,
        capacity,
        startedAt: start,
        endedAt: start + hours * 3600_000,
        reason: 'user',
        cpu,
        memory,
        gpus: 0,
        seconds: hours * 3600,
        pooled: false,
      });
    await seed('a1', 'ann', 'echo', 'FARGATE', day(3, 9), 2, 1, 2048); // 2 vCPU-h, 4 GB-h: 0.08 + 0.016
    await seed('a2', 'ann', 'spot', 'FARGATE_SPOT', day(3, 12), 10, 2, 4096); // 20 vCPU-h, 40 GB-h: 0.24 + 0.048
    await seed('b1', 'ben', 'echo', 'FARGATE', day(17, 8), 1, 4, 8192); // 4 vCPU-h, 8 GB-h: 0.16 + 0.032
    expect(await seed('b1', 'ben', 'echo', 'FARGATE', day(17, 8), 1, 4, 8192)).toBe(false); // once only
    const get = async (query: string, user = 'admin') => plane.request(`/usage?${query}`, { user });
    const month = 'from=2026-11-01&to=2026-11-30';

    const byApp = (await (await get(`${month}&groupBy=app&period=month`)).json()) as Record<string, unknown> & {
      rows: Record<string, unknown>[];
    };
    expect(byApp.rows).toEqual([
      {
        period: '2026-11',
        by: 'app',
        name: 'echo',
        sessions: 2,
        seconds: 10_800,
        vcpuHours: 6,
        gbHours: 12,
        gpuHours: 0,
        cost: 0.288,
      },
      {
        period: '2026-11',
        by: 'app',
        name: 'spot',
        sessions: 1,
        seconds: 36_000,
        vcpuHours: 20,
        gbHours: 40,
        gpuHours: 0,
        cost: 0.288,
      },
    ]);
    expect(byApp.totals).toEqual({
      sessions: 3,
      seconds: 46_800,
      vcpuHours: 26,
      gbHours: 52,
      gpuHours: 0,
      cost: 0.576,
    });
    expect(byApp.prices).toMatchObject({ table: PRICES, source: 'configured (SESSIONPLANE_PRICES)', currency: 'USD' });

    const byUserDay = (await (await get(month)).json()) as { rows: { period: string; name: string; cost: number }[] };
    expect(byUserDay.rows.map((r) => [r.period, r.name, r.cost])).toEqual([
      ['2026-11-03', 'ann', 0.384],
      ['2026-11-17', 'ben', 0.192],
    ]);

    const csv = await get(`${month}&groupBy=user&period=month&format=csv`);
    expect(csv.headers.get('content-type')).toContain('text/csv');
    expect(await csv.text()).toBe(
      'period,by,name,sessions,seconds,vcpuHours,gbHours,gpuHours,cost\r\n2026-11,user,ann,2,43200,22,44,0,0.384\r\n2026-11,user,ben,1,3600,4,8,0,0.192\r\n',
    );

    // One user's records are read apart from everyone's (the owner index's usage#<user> partition).
    const ids = async (owner: string) => {
      const found: string[] = [];
      for await (const r of plane.deps.usage!.list({ from: day(1), to: day(30), owner }))
        found.push(r.sessionId.slice(0, 2));
      return found;
    };
    expect(await ids('ann')).toEqual(['a1', 'a2']);
    expect(await ids('ben')).toEqual(['b1']);
    expect(await ids('an')).toEqual([]);
    const own = (await (await get(month, 'ann')).json()) as { user: string; totals: { sessions: number } };
    expect(own).toMatchObject({ user: 'ann', totals: { sessions: 2 } });
    expect((await get(`${month}&user=ben`, 'ann')).status).toBe(403);
    expect((await get('from=2026-12-01&to=2026-11-01')).status).toBe(400);
    expect((await get('period=year')).status).toBe(400);
  });

  it('counts live sessions up to now', async () => {
    const s = await launch('dora');
    await new Promise((r) => setTimeout(r, 1100));
    const mine = (await (await plane.request('/usage', { user: 'dora' })).json()) as {
      totals: { sessions: number; seconds: number; vcpuHours: number };
    };
    expect(mine.totals.sessions).toBe(1);
    expect(mine.totals.seconds).toBeGreaterThanOrEqual(1);
    expect(mine.totals.vcpuHours).toBeGreaterThan(0);
    await plane.request(`/sessions/${s.id}`, { method: 'DELETE', user: 'dora' });
  });

  it("finds one user's live session behind a long history of theirs, reading their sessions only", async () => {
    const now = Date.now();
    const resources = { cpu: 1, memory: 512, gpus: 0 };
    // erin's live session, older than 120 ended ones of hers (her list is newest first, 100 a page).
    await plane.deps.quotas.reserve('erin', resources, { sessions: 5, jobs: 5, cpu: 8, memory: 8192, gpus: 0 });
    await plane.deps.store.create(
      makeSession({ owner: 'erin', status: 'READY', createdAt: now - 7200_000, readyAt: now - 7190_000, resources }),
    );
    for (let i = 0; i < 120; i++)
      await plane.deps.store.create(
        makeSession({
          owner: 'erin',
          status: 'STOPPED',
          statusReason: 'user',
          createdAt: now - 3600_000 + i,
          stoppedAt: now - 60_000,
        }),
      );
    let liveReads = 0;
    const listLive = plane.deps.store.listLive.bind(plane.deps.store);
    plane.deps.store.listLive = () => {
      liveReads++;
      return listLive();
    };
    const erin = (await (await plane.request('/usage', { user: 'erin' })).json()) as {
      totals: { sessions: number; vcpuHours: number };
    };
    plane.deps.store.listLive = listLive;
    expect(erin.totals.sessions).toBe(1);
    expect(erin.totals.vcpuHours).toBeGreaterThan(1.9);
    expect(liveReads).toBe(0); // not every live session of everyone
  });
});
