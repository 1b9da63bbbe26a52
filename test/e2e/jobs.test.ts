import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureApp, JOB_SCRIPT, jobApp } from '../support/apps';
import { startTestPlane, type TestPlane } from '../support/plane';
import { waitFor } from '../support/wait';

interface View {
  id: string;
  status: string;
  statusReason?: string;
  kind?: string;
  exitCode?: number;
  output?: string[];
  connectURL: string;
  sessionURL: string;
  args?: string[];
}

/** Jobs on one machine as processes (#37): run to the end, COMPLETED or FAILED with the exit code, logs kept. */
describe('jobs on one machine (processes)', () => {
  let plane: TestPlane;
  const launch = async (body: Record<string, unknown>, user = 'alice') => {
    const res = await plane.request('/sessions', { method: 'POST', body: JSON.stringify(body), user });
    return { status: res.status, body: (await res.json()) as View & { detail?: string; problems?: string[] } };
  };
  const ended = (id: string, user = 'alice') =>
    waitFor(
      async () => {
        const view = (await (await plane.request(`/sessions/${id}`, { user })).json()) as View;
        return ['COMPLETED', 'FAILED', 'STOPPED'].includes(view.status) ? view : undefined;
      },
      30_000,
      `job ${id} to end`,
    );

  beforeAll(async () => {
    plane = await startTestPlane(
      {
        // An idle timeout of a second, checked every 100 ms: a session would be warned and stopped within two.
        job: jobApp({ idleTimeoutMs: 1000, warnBeforeMs: 200 }),
        web: fixtureApp([], { name: 'web' }),
      },
      {
        SESSIONPLANE_REAPER_INTERVAL: '100ms',
        SESSIONPLANE_MAX_SESSIONS_PER_USER: '1',
        SESSIONPLANE_MAX_JOBS_PER_USER: '3',
      },
    );
  });
  afterAll(async () => plane?.dispose());

  it('runs a job that exits 0 to COMPLETED, three times its idle timeout long, never idle-stopped; its log is kept', async () => {
    const { status, body } = await launch({ app: 'job', params: { ITEM_MS: 700, ITEMS: 5 }, args: ['--chunk=7'] });
    expect(status).toBe(202);
    expect(body).toMatchObject({ kind: 'job', connectURL: '', sessionURL: '', args: ['--chunk=7'] });
    // It runs: READY is "its command is running".
    await waitFor(async () => (await plane.deps.store.get(body.id))?.status === 'READY', 10_000, 'running');
    const view = await ended(body.id);
    expect(view).toMatchObject({ status: 'COMPLETED', exitCode: 0, statusReason: 'completed: exit code 0' });
    expect(view.output).toEqual([
      'args: ["--chunk=7"]',
      ...[1, 2, 3, 4, 5].map((i) => `item ${i} of 5`),
      'done, exiting 0',
    ]);
    const events = await plane.deps.events.list(body.id);
    expect(events.map((e) => e.phase)).not.toContain('idle-warning');
    expect(events.map((e) => e.phase)).toContain('completed');
    // The log outlives the job.
    const logs = await (await plane.request(`/sessions/${body.id}/logs`)).text();
    expect(logs).toContain('done, exiting 0');
    // Billed like a session: one usage record, its run's length, how it ended.
    const records = [];
    for await (const r of plane.deps.usage!.list({ from: Date.now() - 3600_000, to: Date.now() + 60_000 }))
      if (r.sessionId === body.id) records.push(r);
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ app: 'job', reason: 'completed: exit code 0', cpu: 1 });
    expect(records[0]!.seconds).toBeGreaterThanOrEqual(3);
  });

  it('ends a job that exits 3 FAILED with its exit code and its last lines; a grantee-less stranger sees none', async () => {
    const { body } = await launch({ app: 'job', params: { EXIT_CODE: 3, ITEMS: 30 } });
    const view = await ended(body.id);
    expect(view).toMatchObject({ status: 'FAILED', exitCode: 3, statusReason: 'job-failed: exit code 3' });
    // The last 20 lines.
    expect(view.output).toHaveLength(20);
    expect(view.output?.at(-1)).toBe('done, exiting 3');
    expect(view.output?.at(-2)).toBe('item 30 of 30');
    expect((await plane.request(`/sessions/${body.id}`, { user: 'mallory' })).status).toBe(404);
    const events = await plane.deps.events.list(body.id);
    expect(events.find((e) => e.phase === 'failed')?.message).toBe('The job failed (job-failed: exit code 3).');
  });

  it("takes cmd and args only as the app's rules allow, and stores nothing for a refused one", async () => {
    const before = (await plane.deps.quotas.get('alice')).jobs;
    const refusals = [
      { cmd: '/bin/sh' },
      { args: ['a;rm -rf ~'] },
      { args: ['$(id)'] },
      { args: Array.from({ length: 9 }, (_, i) => `a${i}`) },
    ];
    for (const extra of refusals) {
      const { status, body } = await launch({ app: 'job', ...extra });
      expect(status, JSON.stringify(extra)).toBe(400);
      expect(body.detail).toMatch(/^(cmd|args)/);
    }
    // An app with no userCommand takes neither.
    expect((await launch({ app: 'web', args: ['x'] })).body.detail).toBe('args: app web takes no arguments');
    expect((await plane.deps.quotas.get('alice')).jobs).toBe(before);
    // The allowed program, with arguments given as they are (no shell, no placeholder filled in).
    const { body } = await launch({ app: 'job', cmd: process.execPath, args: [JOB_SCRIPT, '${secret}', 'a b'] });
    expect((await ended(body.id)).output?.[0]).toBe(`args: ["\${secret}","a b"]`);
  });

  it('replicas: N jobs named <name>-<n> with REPLICA_ID and REPLICA_COUNT, listed and stopped as a group; all or nothing', async () => {
    const res = await plane.request('/sessions', {
      method: 'POST',
      body: JSON.stringify({ app: 'job', name: 'sweep', replicas: 3, params: { ITEMS: 1, ITEM_MS: 30_000 } }),
      user: 'carol',
    });
    expect(res.status).toBe(202);
    const { group, sessions } = (await res.json()) as { group: string; sessions: (View & { name: string })[] };
    expect(res.headers.get('location')).toBe(`/sessions?group=${group}`);
    expect(sessions.map((s) => s.name)).toEqual(['sweep-1', 'sweep-2', 'sweep-3']);
    const listed = (await (await plane.request(`/sessions?group=${group}`, { user: 'carol' })).json()) as {
      sessions: { id: string }[];
    };
    expect(listed.sessions.map((s) => s.id).sort()).toEqual(sessions.map((s) => s.id).sort());
    for (const [i, s] of sessions.entries())
      await waitFor(
        async () =>
          (await (await plane.request(`/sessions/${s.id}/logs`, { user: 'carol' })).text()).includes(
            `replica ${i + 1} of 3`,
          ),
        10_000,
        `replica ${i + 1}'s output`,
      );
    // Someone else's group is not theirs to stop: nothing of it is visible to them.
    expect((await plane.request(`/sessions/groups/${group}`, { method: 'DELETE', user: 'mallory' })).status).toBe(404);
    const stopped = await plane.request(`/sessions/groups/${group}`, { method: 'DELETE', user: 'carol' });
    expect(stopped.status).toBe(200);
    for (const s of sessions) expect((await ended(s.id, 'carol')).status).toBe('STOPPED');
    // Only a job has replicas; a group past the jobs cap (3) that will not wait is refused before any member starts.
    expect((await launch({ app: 'web', replicas: 2 }, 'carol')).body.detail).toBe(
      'replicas: app web is not a job (kind: job)',
    );
    const over = await launch(
      { app: 'job', replicas: 4, queue: false, params: { ITEMS: 1, ITEM_MS: 30_000 } },
      'carol',
    );
    expect(over.status).toBe(429);
    expect(over.body.detail).toBe('4 jobs at once would pass the maximum of 3 active jobs for user carol.');
    expect((await plane.deps.store.listByOwner('carol', { limit: 100 })).items).toHaveLength(3);
  });

  it('counts jobs against their own cap, not the interactive one; has no web address', async () => {
    const web = await launch({ app: 'web' }, 'bob');
    expect(web.status).toBe(202);
    // bob's one interactive session is his cap; his jobs are counted apart, up to their own cap of 3.
    expect((await launch({ app: 'web' }, 'bob')).status).toBe(429);
    const jobs = [];
    for (let i = 0; i < 3; i++) jobs.push(await launch({ app: 'job', params: { ITEMS: 1, ITEM_MS: 20_000 } }, 'bob'));
    expect(jobs.map((j) => j.status)).toEqual([202, 202, 202]);
    // A fourth waits its turn (a job over its owner's cap queues), or, asked not to wait, is refused.
    const impatient = await launch({ app: 'job', queue: false }, 'bob');
    expect(impatient.status).toBe(429);
    expect(impatient.body.detail).toBe('User bob has reached the maximum of 3 active jobs.');
    const fourth = await launch({ app: 'job' }, 'bob');
    expect(fourth).toMatchObject({ status: 202, body: { status: 'QUEUED' } });
    // A job is not reachable through the router: it has no address.
    const through = await plane.request(`/s/${jobs[0]!.body.id}/`, { user: 'bob' });
    expect(through.status).toBe(404);
    // Stopped on request, a job ends STOPPED like any session, and frees its place.
    await plane.request(`/sessions/${jobs[0]!.body.id}`, { method: 'DELETE', user: 'bob' });
    expect((await ended(jobs[0]!.body.id, 'bob')).status).toBe('STOPPED');
    // ...and the queued fourth takes it.
    expect((await ended(fourth.body.id, 'bob')).status).toBe('COMPLETED');
  });
});
