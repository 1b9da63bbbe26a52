import fc from 'fast-check';
import { expect } from 'vitest';
import { isFinal, isLive, type Session } from '../../shared/domain/session';
import { MODEL_CAP, MODEL_JOB, MODEL_JOB_CAP, type ModelUser } from './local-product';
import {
  type Cmd,
  hasSessions,
  isAdmin,
  type Model,
  type ModelJob,
  type Product,
  short,
  target,
  users,
} from './product-model';

/*
 * #37's operations in the model: batch jobs launched through REST and skaha (each ends COMPLETED or FAILED with its
 * exit code, never idle-stopped), read and stopped through the one decision; more at once than the owner's jobs cap
 * (the queue: the rest wait their turn); the limits people choose (PATCH) and an app's own activity report, on the
 * interactive sessions.
 */

/** A job through REST (its EXIT_CODE a param) or skaha (`kind=headless`, the param as `env=`). */
export class JobLaunch implements Cmd {
  constructor(
    readonly user: ModelUser,
    readonly door: 'rest' | 'skaha',
    readonly exit: 0 | 3,
  ) {}
  check = () => true;
  async run(m: Model, p: Product) {
    const res =
      this.door === 'rest'
        ? await p.call(this.user, '/sessions', {
            method: 'POST',
            body: JSON.stringify({ app: MODEL_JOB, params: { EXIT_CODE: this.exit } }),
          })
        : await p.call(this.user, '/skaha/v1/session', {
            method: 'POST',
            body: `name=mjob&app=${MODEL_JOB}&kind=headless&env=EXIT_CODE=${this.exit}`,
            form: true,
          });
    const text = await res.text();
    expect(res.status, text).toBe(this.door === 'rest' ? 202 : 200);
    const id = this.door === 'skaha' ? text.trim() : (JSON.parse(text) as { id: string }).id;
    m.jobs.push({ id, owner: this.user, exit: this.exit, cut: false });
  }
  toString = () => `jobLaunch(${this.user}, ${this.door}, exit ${this.exit})`;
}

/**
 * More jobs at once than the owner's cap (the queue, #37): REST's `replicas` (one request) or the canfar client's own
 * way (one skaha create per replica, each with REPLICA_ID/REPLICA_COUNT). Every member is accepted; those past the cap
 * wait QUEUED with their place (how many wait depends on how fast the first ones end: outcome, not speed, is
 * checked). Then `canceller` cancels the last one (queued or not by then): its owner or an admin may, anyone else is
 * told it does not exist; `then` (a restart) runs at once, while some may still wait. The invariants see the rest
 * start as others end: each once, never more than the cap at once, none left waiting.
 */
export class JobBurst implements Cmd {
  constructor(
    readonly user: ModelUser,
    readonly door: 'rest' | 'skaha',
    readonly canceller: ModelUser,
    readonly then?: Cmd,
  ) {}
  check = () => true;
  async run(m: Model, p: Product) {
    await this.burst(m, p);
    await this.then?.run(m, p);
  }
  private async burst(m: Model, p: Product) {
    const count = MODEL_JOB_CAP + 2;
    const ids: string[] = [];
    // Each member works for about a second: long enough for the first ones to hold the cap while the rest arrive.
    const work = { ITEMS: 2, ITEM_MS: 500 };
    if (this.door === 'rest') {
      const res = await p.call(this.user, '/sessions', {
        method: 'POST',
        body: JSON.stringify({ app: MODEL_JOB, name: 'mburst', replicas: count, params: work }),
      });
      const text = await res.text();
      expect(res.status, `${this}: ${text}`).toBe(202);
      ids.push(...(JSON.parse(text) as { sessions: { id: string }[] }).sessions.map((s) => s.id));
    } else
      for (let n = 1; n <= count; n++) {
        const env = { REPLICA_ID: n, REPLICA_COUNT: count, ...work };
        const form = Object.entries(env).map(([k, v]) => `env=${k}=${v}`);
        const res = await p.call(this.user, '/skaha/v1/session', {
          method: 'POST',
          body: [`name=mburst-${n}`, `app=${MODEL_JOB}`, 'kind=headless', ...form].join('&'),
          form: true,
        });
        const text = await res.text();
        expect(res.status, `${this} #${n}: ${text}`).toBe(200);
        ids.push(text.trim());
      }
    expect(ids).toHaveLength(count);
    for (const id of ids) m.jobs.push({ id, owner: this.user, exit: 0, cut: false });
    // A member still waiting says where it is in the queue.
    for (const id of ids) {
      const view = (await (await p.call(this.user, `/sessions/${id}`)).json()) as {
        status: Session['status'];
        queue?: { place: number; of: number };
      };
      if (view.status !== 'QUEUED') continue;
      expect(view.queue?.place, `${short(id)} queued: its place (${JSON.stringify(view)})`).toBeGreaterThanOrEqual(1);
      expect(view.queue!.place).toBeLessThanOrEqual(view.queue!.of);
    }
    const last = m.jobs.at(-1)!;
    const res = await p.call(this.canceller, `/sessions/${last.id}`, { method: 'DELETE' });
    if (this.canceller !== this.user && !isAdmin(this.canceller)) return void expect(res.status).toBe(404);
    expect(res.status).toBeLessThan(300);
    last.cut = true;
  }
  toString = () =>
    `jobBurst(${this.user}, ${this.door}, cancel as ${this.canceller}${this.then ? `, then ${this.then}` : ''})`;
}

/** A command on one of the model's jobs: which (its pick), and whether the user may see and stop it (owner, admin). */
abstract class JobCommand {
  constructor(
    readonly user: ModelUser,
    readonly pick: number,
  ) {}
  check = (m: Readonly<Model>) => m.jobs.length > 0;
  protected job = (m: Model): ModelJob => m.jobs[this.pick % m.jobs.length]!;
  protected mine = (job: ModelJob) => job.owner === this.user || isAdmin(this.user);
}

/** Its owner or an admin reads it (a stranger is told it does not exist); once ended, how is its exit code's. */
export class JobLook extends JobCommand implements Cmd {
  async run(m: Model, p: Product) {
    const job = this.job(m);
    const res = await p.call(this.user, `/sessions/${job.id}`);
    if (!this.mine(job)) return void expect(res.status).toBe(404);
    expect(res.status).toBe(200);
    const view = (await res.json()) as { status: Session['status']; exitCode?: number; kind?: string };
    expect(view.kind).toBe('job');
    expectEnd(job, view);
  }
  override toString = () => `jobLook(${this.user}, #${this.pick})`;
}

/** Its owner or an admin stops it (whatever it is by then); anyone else is told it does not exist. */
export class JobStop extends JobCommand implements Cmd {
  async run(m: Model, p: Product) {
    const job = this.job(m);
    const res = await p.call(this.user, `/sessions/${job.id}`, { method: 'DELETE' });
    if (!this.mine(job)) return void expect(res.status).toBe(404);
    expect(res.status).toBeLessThan(300);
    job.cut = true;
  }
  override toString = () => `jobStop(${this.user}, #${this.pick})`;
}

/** How a job may have ended: as its exit code says, unless a stop or a restart cut it short. */
export function expectEnd(job: ModelJob, r: { status: Session['status']; exitCode?: number; statusReason?: string }) {
  const what = `job ${short(job.id)} (exit ${job.exit}${job.cut ? ', cut short' : ''}) is ${r.status}`;
  expect(r.statusReason, `${what}: never idle-stopped`).not.toBe('idle');
  if (r.status === 'COMPLETED') expect(job.exit, what).toBe(0);
  else if (r.status === 'FAILED' && r.exitCode !== undefined) expect(r.exitCode, what).toBe(job.exit);
  else if (isFinal(r.status)) expect(job.cut, what).toBe(true);
}

/**
 * Its owner (or an admin) chooses a session's idle timeout and lifetime: within the app's bounds where it has them
 * (200 while it runs, 409 once it has ended), 400 where its app has fixed ones; a grantee 403, anyone else 404.
 */
export class ChooseLimits implements Cmd {
  constructor(
    readonly user: ModelUser,
    readonly pick: number,
    readonly body: { idleTimeout?: string; maxLifetime?: string },
  ) {}
  check = hasSessions;
  async run(m: Model, p: Product) {
    const { s, role } = target(m, this);
    const res = await p.call(this.user, `/sessions/${s.id}`, { method: 'PATCH', body: JSON.stringify(this.body) });
    const text = await res.text();
    const what = `choose ${JSON.stringify(this.body)} for ${short(s.id)} (${s.app}) as ${this.user} (${role}): ${text}`;
    if (role === 'grantee') return void expect(res.status, what).toBe(403);
    if (role === 'stranger') return void expect(res.status, what).toBe(404);
    if (s.app !== 'sized' || !withinSized(this.body)) return void expect(res.status, what).toBe(400);
    const record = (await p.store.get(s.id))!;
    // It may have ended by itself between the answer and the read (a launch that timed out on a loaded machine).
    const running = isLive(record.status) && record.status !== 'STOPPING';
    if (!s.live || !running) return void expect([200, 409], what).toContain(res.status);
    expect(res.status, what).toBe(200);
  }
  toString = () => `chooseLimits(${this.user}, #${this.pick}, ${JSON.stringify(this.body)})`;
}

/** What a chosen limit is stored as: milliseconds, `never` as 0. */
const msOf = (v: string) => (v === 'never' ? 0 : { '5s': 5_000, '2h': 7_200_000, '4h': 14_400_000 }[v]!);

/**
 * A launch of the `sized` app that chooses its limits at once, through REST (`idleTimeout`/`maxLifetime` in the body)
 * or skaha (the same as form fields): within the app's bounds it starts with them (the record says so); outside them
 * it is refused in the door's own shape (400) and nothing is started. Over the cap, refused as any launch.
 */
export class LaunchWithLimits implements Cmd {
  constructor(
    readonly user: ModelUser,
    readonly door: 'rest' | 'skaha',
    readonly body: { idleTimeout?: string; maxLifetime?: string },
  ) {}
  check = () => true;
  async run(m: Model, p: Product) {
    const before = m.liveOf(this.user).length;
    const res =
      this.door === 'rest'
        ? await p.call(this.user, '/sessions', {
            method: 'POST',
            body: JSON.stringify({ app: 'sized', profile: 'small', ...this.body }),
          })
        : await p.call(this.user, '/skaha/v1/session', {
            method: 'POST',
            body: `name=m-sized&app=sized&${new URLSearchParams(this.body).toString()}`,
            form: true,
          });
    const text = await res.text();
    const what = `${this}: ${text}`;
    if (!withinSized(this.body)) {
      expect(res.status, what).toBe(400);
      if (this.door === 'rest') expect(res.headers.get('content-type'), what).toContain('application/problem+json');
      return;
    }
    if (before >= MODEL_CAP) return void expect(res.status, what).toBe(this.door === 'skaha' ? 400 : 429);
    expect(res.status, what).toBe(this.door === 'rest' ? 202 : 200);
    const id = this.door === 'skaha' ? text.trim() : (JSON.parse(text) as { id: string }).id;
    const record = (await p.store.get(id))!;
    if (this.body.idleTimeout !== undefined) expect(record.idleTimeoutMs, what).toBe(msOf(this.body.idleTimeout));
    if (this.body.maxLifetime !== undefined) expect(record.maxLifetimeMs, what).toBe(msOf(this.body.maxLifetime));
    m.sessions.push({ id, owner: this.user, app: 'sized', live: true, shares: new Set() });
  }
  toString = () => `launchWithLimits(${this.user}, ${this.door}, ${JSON.stringify(this.body)})`;
}

/** Someone without the session's secret says it is busy: told the session does not exist, and nothing changes. */
export class ForgedActivity implements Cmd {
  constructor(readonly pick: number) {}
  check = hasSessions;
  async run(m: Model, p: Product) {
    const s = m.pick(this.pick)!;
    const before = (await p.store.get(s.id))?.lastActivityAt;
    const res = await p.call(null, `/sessions/${s.id}/activity`, {
      method: 'POST',
      headers: { authorization: `Bearer ${'0'.repeat(40)}` },
    });
    expect(res.status).toBe(404);
    const after = (await p.store.get(s.id))?.lastActivityAt;
    // The router may have recorded real use meanwhile; a forged report never moves it past that.
    if (after !== before) expect(after ?? 0).toBeGreaterThan(before ?? 0);
  }
  toString = () => `forgedActivity(#${this.pick})`;
}

/** Within the model's `sized` app's bounds (idle 1 min to never, lifetime 10 min to 8 h)? */
const withinSized = (body: { idleTimeout?: string; maxLifetime?: string }) => body.idleTimeout !== '5s';

const user = fc.constantFrom(...users);
const pick = fc.nat(50);
export const workCommands = [
  fc
    .tuple(user, fc.constantFrom<'rest' | 'skaha'>('rest', 'skaha'), fc.constantFrom<0 | 3>(0, 3))
    .map(([u, d, e]) => new JobLaunch(u, d, e)),
  fc.tuple(user, fc.constantFrom<'rest' | 'skaha'>('rest', 'skaha'), user).map(([u, d, c]) => new JobBurst(u, d, c)),
  fc.tuple(user, pick).map(([u, i]) => new JobLook(u, i)),
  fc.tuple(user, pick).map(([u, i]) => new JobStop(u, i)),
  fc
    .tuple(
      user,
      pick,
      fc.constantFrom({ idleTimeout: '2h' }, { idleTimeout: 'never' }, { maxLifetime: '4h' }, { idleTimeout: '5s' }),
    )
    .map(([u, i, b]) => new ChooseLimits(u, i, b)),
  pick.map((i) => new ForgedActivity(i)),
  fc
    .tuple(
      user,
      fc.constantFrom<'rest' | 'skaha'>('rest', 'skaha'),
      fc.constantFrom({ idleTimeout: '2h' }, { idleTimeout: 'never', maxLifetime: '4h' }, { idleTimeout: '5s' }),
    )
    .map(([u, d, b]) => new LaunchWithLimits(u, d, b)),
];
