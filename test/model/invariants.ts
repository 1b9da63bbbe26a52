import { expect } from 'vitest';
import { isFinal, isLive, type Session } from '../../shared/domain/session';
import { waitFor } from '../support/wait';
import { Lists, type Model, type Product, short, users } from './product-model';
import { expectEnd } from './work-model';
import { MODEL_JOB_CAP, MODEL_USERS } from './local-product';

/** What holds after every step, whatever the steps were. */
export async function invariants(m: Model, p: Product): Promise<void> {
  // Every list and page renders for everyone, with what each may see.
  for (const u of users) await new Lists(u).run(m, p);
  expect(p.serverErrors, 'no 5xx, ever').toEqual([]);
  // Nothing accepted is lost; ended is ended.
  const records = new Map<string, Session>();
  for (const s of m.sessions) {
    const r = await p.store.get(s.id);
    expect(r, `${short(s.id)} is kept`).toBeDefined();
    expect(r!.owner).toBe(s.owner);
    records.set(s.id, r!);
    // A group-held secret: given (by name, never its value) exactly to the sessions of the group's members.
    if (p.groupSecret && s.app === p.groupSecret.app) {
      const member = (MODEL_USERS[s.owner] as { groups?: string[] }).groups?.includes(p.groupSecret.group);
      expect(r!.groupSecrets ?? [], `${short(s.id)} of ${s.owner}: the group's secret`).toEqual(
        member ? [p.groupSecret.name] : [],
      );
      expect(JSON.stringify(r)).not.toContain(p.groupSecret.value);
    }
    // A session that failed by itself (its launch timed out on a loaded machine) has ended too.
    if (r!.status === 'FAILED') s.live = false;
    if (!s.live)
      expect(r!.status === 'STOPPING' || isFinal(r!.status), `${short(s.id)} ended, is ${r!.status}`).toBe(true);
    else expect(isLive(r!.status) && r!.status !== 'STOPPING', `${short(s.id)} live, is ${r!.status}`).toBe(true);
  }
  // A job is kept, and ends as its exit code says (never idle-stopped), unless a stop or a restart cut it short.
  for (const j of m.jobs) {
    const r = await p.store.get(j.id);
    expect(r, `job ${short(j.id)} is kept`).toBeDefined();
    expect(r!.owner).toBe(j.owner);
    expectEnd(j, r!);
  }
  // A visitor's sessions: kept, all of one owner of their own (no account's), live or ended as the model says.
  for (const [i, v] of m.visitors.entries()) {
    let owner: string | undefined;
    for (const s of v.sessions) {
      const r = await p.store.get(s.id);
      expect(r, `v${i}'s ${short(s.id)} is kept`).toBeDefined();
      expect(r!.owner).toMatch(/^visitor-[0-9a-f]{24}$/);
      owner ??= r!.owner;
      expect(r!.owner, `v${i}'s sessions have one owner`).toBe(owner);
      if (r!.status === 'FAILED') s.live = false;
      if (!s.live) expect(r!.status === 'STOPPING' || isFinal(r!.status), `v${i}'s ${short(s.id)} ended`).toBe(true);
      else expect(isLive(r!.status) && r!.status !== 'STOPPING', `v${i}'s ${short(s.id)} live`).toBe(true);
    }
  }
  await jobsStartedOnceWithinTheCap(m, p);
  expect(new Set(m.visitors.map((v) => v.cookie).filter(Boolean)).size, 'visitors are told apart').toBe(
    m.visitors.filter((v) => v.cookie).length,
  );
  await waitFor(
    async () => {
      // No process outlives its session.
      const ended = new Set(
        [...m.sessions, ...m.visitors.flatMap((v) => v.sessions)].filter((s) => !s.live).map((s) => s.id),
      );
      const running = p.processes().filter((id) => ended.has(id));
      if (running.length) return undefined;
      for (const user of users) {
        // Quotas match the live sessions, and the jobs theirs (each counter follows each start and end).
        const own = (await p.store.listByOwner(user, { limit: 100 })).items;
        const holding = own.filter((s) => isLive(s.status) && s.status !== 'QUEUED');
        const counted = await p.quotas().get(user);
        if (counted.sessions !== holding.filter((s) => s.kind !== 'job').length) return undefined;
        if ((counted.jobs ?? 0) !== holding.filter((s) => s.kind === 'job').length) return undefined;
        // Usage counts every ended session once (the reaper writes what an abrupt end left).
        const billed = new Map<string, number>();
        for await (const u of p.usage().list({ from: 0, to: Date.now() + 60_000, owner: user }))
          billed.set(u.sessionId, (billed.get(u.sessionId) ?? 0) + 1);
        if ([...billed.values()].some((n) => n > 1)) throw new Error(`${user}: a session counted twice in usage`);
        const endedOwn = m.sessions.filter((s) => s.owner === user && isFinal(records.get(s.id)!.status));
        if (endedOwn.some((s) => !billed.has(s.id))) return undefined;
      }
      return true;
    },
    45_000,
    'processes, quotas and usage to agree with the sessions',
  );
}

/**
 * The queue's promises, from what the product recorded (once every job has ended): each job started at most once
 * (one `ready` in its event log), and never more of one owner's jobs running at once than the jobs cap (the spans from
 * start to end: a reservation is taken before a start and given back after the end is written).
 */
async function jobsStartedOnceWithinTheCap(m: Model, p: Product): Promise<void> {
  await waitFor(
    async () => {
      for (const j of m.jobs) if (isLive((await p.store.get(j.id))!.status)) return undefined;
      return true;
    },
    60_000,
    'every job to end (the queued ones start as others end)',
  );
  for (const u of users) {
    const spans: { from: number; to: number; id: string }[] = [];
    for (const j of m.jobs.filter((j) => j.owner === u)) {
      const r = (await p.store.get(j.id))!;
      if (r.readyAt !== undefined && r.stoppedAt !== undefined)
        spans.push({ from: r.readyAt, to: r.stoppedAt, id: j.id });
      if (j.startsChecked) continue;
      const res = await p.call(u, `/sessions/${j.id}/events`);
      expect(res.status).toBe(200);
      const phases = ((await res.json()) as { events: { phase: string }[] }).events.map((e) => e.phase);
      expect(phases.filter((ph) => ph === 'ready').length, `job ${short(j.id)} started once: ${phases}`).toBeLessThan(
        2,
      );
      j.startsChecked = true;
    }
    for (const s of spans) {
      const running = spans.filter((o) => o.from <= s.from && s.from < o.to).map((o) => short(o.id));
      expect(running.length, `${u}'s jobs running when ${short(s.id)} started: ${running}`).toBeLessThanOrEqual(
        MODEL_JOB_CAP,
      );
    }
  }
}
