import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureApp, jobApp } from '../support/apps';
import { startTestPlane, type TestPlane } from '../support/plane';
import { testPortRange } from '../support/ports';
import { waitFor } from '../support/wait';

interface View {
  id: string;
  status: string;
  statusReason?: string;
  queue?: { place: number; of: number; estimatedWaitSeconds?: number };
  detail?: string;
}

/**
 * #37's queue on one machine: capacity is four ports, so four sessions run at once; the rest wait QUEUED in the
 * queue's order (interactive before batch, fair between users) and start as room frees, none lost, none twice.
 */
describe('the launch queue (capacity: four ports)', () => {
  let plane: TestPlane;
  const launch = async (user: string, body: Record<string, unknown>) => {
    const res = await plane.request('/sessions', { method: 'POST', body: JSON.stringify(body), user });
    return { status: res.status, body: (await res.json()) as View };
  };
  const records = async (ids: string[]) => Promise.all(ids.map(async (id) => (await plane.deps.store.get(id))!));
  /** Whatever a test left, stopped: nothing of it holds a port or a queue place for the next. */
  const stopAll = async (ids: string[]) => {
    for (const id of ids) await plane.request(`/sessions/${id}`, { method: 'DELETE', user: 'admin' });
    await waitFor(
      async () =>
        (await records(ids)).every((r) => r.status === 'STOPPED' || r.status === 'FAILED' || r.status === 'COMPLETED'),
      30_000,
      'all stopped',
    );
  };

  beforeAll(async () => {
    const [lo] = testPortRange(4);
    plane = await startTestPlane(
      { batch: jobApp(), urgent: jobApp({ name: 'urgent', priority: 5 }), web: fixtureApp([], { name: 'web' }) },
      {
        SESSIONPLANE_PORT_RANGE: `${lo}-${lo + 3}`,
        SESSIONPLANE_QUEUE_MAX: '16',
        SESSIONPLANE_REAPER_INTERVAL: '200ms',
        SESSIONPLANE_MAX_SESSIONS_PER_USER: '50',
      },
    );
  });
  afterAll(async () => plane?.dispose());

  it('20 launches against 4: 4 start, 16 wait in order, each starts as one ends; none lost, none twice; fair between two users', async () => {
    // Each runs until it is stopped: the test ends them one at a time (the oldest running first), so what happens
    // does not depend on how fast this machine is.
    const job = { app: 'batch', params: { ITEMS: 100, ITEM_MS: 60_000 } };
    // alice asks for 14 first, then bob for 6.
    const alice: string[] = [];
    const bob: string[] = [];
    for (let i = 0; i < 14; i++) alice.push((await launch('alice', job)).body.id);
    for (let i = 0; i < 6; i++) bob.push((await launch('bob', job)).body.id);
    const all = [...alice, ...bob];
    try {
      const first = await records(all);
      // Four got a port; sixteen wait, each told its place: bob's first is next (alice has four running, he none).
      // (The head may be out of the queue this moment: a dispatcher pass trying it, PENDING with no instance, until it
      // finds no room and puts it back.)
      const waiting = (s: (typeof first)[number]) => s.status === 'QUEUED' || (s.status === 'PENDING' && !s.runtime);
      expect(first.filter((s) => !waiting(s)).map((s) => s.id)).toEqual(alice.slice(0, 4));
      expect(first.filter(waiting)).toHaveLength(16);
      const told = (await plane.deps.events.list(bob[0]!)).find((e) => e.phase === 'queued')?.message;
      expect(told).toMatch(/^Waiting in the queue, 1st \(All ports \d+-\d+ are taken\)\.$/);
      // The last of sixteen, once the head is back in its place (a dispatcher pass may be trying it: then 15 of 15).
      let seen: View | undefined;
      await waitFor(
        async () => {
          seen = (await (await plane.request(`/sessions/${alice[13]}`, { user: 'alice' })).json()) as View;
          return seen.queue?.of === 16;
        },
        30_000,
        'all sixteen in the queue',
      );
      expect(seen).toMatchObject({ status: 'QUEUED', queue: { place: 16, of: 16 } });
      // Nothing has left the queue yet: no pace, no estimate.
      expect(seen!.queue?.estimatedWaitSeconds).toBeUndefined();
      // A 21st is past the queue's bound (16): refused, nothing kept.
      const full = await launch('carol', job);
      expect(full.status, JSON.stringify(full.body)).toBe(503);
      expect((await plane.deps.store.listByOwner('carol')).items).toEqual([]);

      // One ends (the oldest running), and the next takes its port, until none is left.
      for (let left = 20; left > 0; left--) {
        if (left === 18) {
          // Two have left the queue: the last in line is told about how long, at that pace.
          const later = (await (await plane.request(`/sessions/${alice[13]}`, { user: 'alice' })).json()) as View;
          expect(later.status).toBe('QUEUED');
          expect(later.queue?.estimatedWaitSeconds).toBeGreaterThanOrEqual(0);
        }
        const running = (await records(all))
          .filter((s) => s.status === 'READY')
          .sort((a, b) => a.readyAt! - b.readyAt!);
        expect(running.length).toBe(Math.min(4, left));
        // A job is READY once spawned; on a busy machine its program may not have printed yet. Stopped before then,
        // its log would be empty, and "ran once" could not be told from "never ran": wait for its first line.
        const oldest = running[0]!;
        await waitFor(
          async () =>
            (await (await plane.request(`/sessions/${oldest.id}/logs`, { user: oldest.owner })).text()).includes(
              'args: ',
            ),
          30_000,
          `${oldest.id}'s first line`,
        );
        await plane.request(`/sessions/${oldest.id}`, { method: 'DELETE', user: oldest.owner });
        await waitFor(
          async () => {
            const now = await records(all);
            const live = now.filter((s) => s.status !== 'STOPPED').length;
            return now.filter((s) => s.status === 'READY').length === Math.min(4, live) && live === left - 1;
          },
          30_000,
          `the next to start (${left - 1} left)`,
        );
      }
      const done = await records(all);
      expect(done.every((s) => s.status === 'STOPPED')).toBe(true);
      // Each started once: one `ready` in its log, one process (its first line once).
      for (const s of done) {
        const phases = (await plane.deps.events.list(s.id)).map((e) => e.phase);
        expect(
          phases.filter((p) => p === 'ready'),
          s.id,
        ).toHaveLength(1);
        const log = await (await plane.request(`/sessions/${s.id}/logs`, { user: s.owner })).text();
        expect(log.match(/args: /g), s.id).toHaveLength(1);
      }
      // Never more than four at once: the intervals from start to end, at each start.
      const spans = done.map((s) => ({ from: s.readyAt!, to: s.stoppedAt!, owner: s.owner, id: s.id }));
      for (const a of spans)
        expect(spans.filter((b) => b.from <= a.from && b.to > a.from).length).toBeLessThanOrEqual(4);
      // In order within each user; fair between them: bob's first started as soon as the first room freed.
      const started = [...spans].sort((a, b) => a.from - b.from);
      const order = (ids: string[]) => started.filter((s) => ids.includes(s.id)).map((s) => s.id);
      expect(order(alice)).toEqual(alice);
      expect(order(bob)).toEqual(bob);
      expect(started[4]!.owner).toBe('bob');
      const waits = (ids: string[]) =>
        done
          .filter((s) => ids.includes(s.id) && s.queue)
          .map((s) => s.queue!.left! - s.queue!.since)
          .sort((a, b) => a - b);
      const median = (xs: number[]) => xs[Math.floor(xs.length / 2)] ?? 0;
      console.log(
        `queue: 20 jobs on 4 ports; start order ${started.map((s) => s.owner[0]).join('')}; ` +
          `median wait alice ${median(waits(alice))} ms (${waits(alice).length} queued), bob ${median(waits(bob))} ms (${waits(bob).length} queued)`,
      );
      // bob asked last but had nothing running: all six of his started before alice's last queued ones.
      const lastBob = started.findIndex((s) => s.id === bob.at(-1));
      expect(started.slice(lastBob + 1).every((s) => s.owner === 'alice')).toBe(true);
      expect(started.slice(lastBob + 1).length).toBeGreaterThanOrEqual(4);
      // Nothing held after: the counters are back to nothing.
      expect(await plane.deps.quotas.get('alice')).toMatchObject({ jobs: 0, sessions: 0 });
      expect(await plane.deps.quotas.get('bob')).toMatchObject({ jobs: 0, sessions: 0 });
    } catch (error) {
      // A failure here must not leave the later tests a full queue and busy ports.
      await stopAll(all).catch(() => undefined);
      throw error;
    }
  }, 180_000);

  it("a higher priority app's launch waits ahead of earlier ones of its class", async () => {
    const job = { app: 'batch', params: { ITEMS: 100, ITEM_MS: 60_000 } };
    const holders = await Promise.all([1, 2, 3, 4].map(async () => (await launch('dave', job)).body.id));
    const ids = [...holders];
    try {
      await waitFor(async () => (await records(holders)).every((s) => s.status === 'READY'), 30_000, 'four running');
      const early = (await launch('erin', job)).body;
      const urgent = (await launch('erin', { app: 'urgent', params: { ITEMS: 100, ITEM_MS: 60_000 } })).body;
      ids.push(early.id, urgent.id);
      expect([early.status, urgent.status]).toEqual(['QUEUED', 'QUEUED']);
      const place = async (id: string) =>
        ((await (await plane.request(`/sessions/${id}`, { user: 'erin' })).json()) as View).queue?.place;
      // Each has a place once no pass is trying the head this moment (then it is PENDING, with none).
      const places = await waitFor(
        async () => {
          const both = [await place(urgent.id), await place(early.id)];
          return both.every((p) => p !== undefined) ? both : undefined;
        },
        30_000,
        'both placed',
      );
      expect(places).toEqual([1, 2]);
      await plane.request(`/sessions/${holders[0]}`, { method: 'DELETE', user: 'dave' });
      await waitFor(async () => (await plane.deps.store.get(urgent.id))?.status === 'READY', 30_000, 'urgent first');
      // Still waiting (a pass may be trying it this moment: PENDING with no instance, put back when it finds no room).
      const after = (await plane.deps.store.get(early.id))!;
      expect(after.status === 'QUEUED' || (after.status === 'PENDING' && !after.runtime), after.status).toBe(true);
    } finally {
      // Whatever happened, nothing of this test holds a port for the next.
      await stopAll(ids);
    }
  }, 120_000);

  it('a queued launch may be canceled (never started), an impatient one refused, and one that waits too long fails', async () => {
    // Fill the four ports with long jobs.
    const long = { app: 'batch', params: { ITEMS: 1, ITEM_MS: 30_000 } };
    const holders: string[] = [];
    for (let i = 0; i < 4; i++) holders.push((await launch('dora', long)).body.id);
    await waitFor(async () => (await records(holders)).every((s) => s.status === 'READY'), 20_000, 'four running');
    const queued = await launch('dora', { app: 'web' });
    expect(queued).toMatchObject({ status: 202, body: { status: 'QUEUED' } });
    const events = await plane.deps.events.list(queued.body.id);
    expect(events.find((e) => e.phase === 'queued')?.message).toMatch(/^Waiting in the queue, 1st \(All ports/);
    // Canceled: STOPPED at once, nothing started for it.
    const canceled = (await (
      await plane.request(`/sessions/${queued.body.id}`, { method: 'DELETE', user: 'dora' })
    ).json()) as View;
    // (STOPPED at once; STOPPING if a dispatcher pass had it claimed that moment, then STOPPED, never started.)
    expect(['STOPPED', 'STOPPING']).toContain(canceled.status);
    const ended = await waitFor(
      async () => {
        const r = await plane.deps.store.get(queued.body.id);
        return r?.status === 'STOPPED' ? r : undefined;
      },
      20_000,
      'canceled',
    );
    expect(ended.statusReason).toBe('user');
    expect((await plane.deps.events.list(queued.body.id)).map((e) => e.phase)).not.toContain('started');
    // One that asks not to wait gets today's 503.
    expect((await launch('dora', { app: 'web', queue: false })).status).toBe(503);
    for (const id of holders) await plane.request(`/sessions/${id}`, { method: 'DELETE', user: 'dora' });

    // Its wait is bounded (interactive: SESSIONPLANE_QUEUE_WAIT): past it, FAILED queue-timeout, nothing started.
    const [lo] = testPortRange(1);
    const strict = await startTestPlane(
      { web: fixtureApp([], { name: 'web' }) },
      { SESSIONPLANE_PORT_RANGE: `${lo}-${lo}`, SESSIONPLANE_QUEUE_WAIT: '1s', SESSIONPLANE_REAPER_INTERVAL: '100ms' },
    );
    try {
      const ask = async () =>
        ((await (await strict.request('/sessions', { method: 'POST', body: '{"app":"web"}' })).json()) as View).id;
      const holder = await ask();
      const waiter = await ask();
      // (Queued: a dispatcher pass may be trying it this moment, PENDING until it finds no room and puts it back.)
      expect((await strict.deps.store.get(waiter))?.queue).toMatchObject({ class: 'interactive' });
      const failed = await waitFor(
        async () => {
          const s = await strict.deps.store.get(waiter);
          return s?.status === 'FAILED' ? s : undefined;
        },
        20_000,
        'the queue timeout',
      );
      expect(failed.statusReason).toBe('queue-timeout');
      expect(failed.runtime).toBeUndefined();
      expect((await strict.deps.store.get(holder))?.status).toBe('READY');
      expect((await strict.deps.quotas.get('alice')).sessions).toBe(1);
    } finally {
      await strict.dispose();
    }
  }, 60_000);
});
