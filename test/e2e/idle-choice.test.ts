import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureApp } from '../support/apps';
import { startTestPlane, type TestPlane } from '../support/plane';
import { waitFor } from '../support/wait';

interface View {
  id: string;
  status: string;
  statusReason?: string;
  idleTimeoutSeconds?: number | null;
  maxLifetimeSeconds?: number;
  createdAt: string;
  expiresAt: string;
  detail?: string;
}

/** #37: idle limits people choose, within the admin's bounds (SageMaker's way); the reaper follows the choice. */
describe('idle limits people choose', () => {
  let plane: TestPlane;
  beforeAll(async () => {
    plane = await startTestPlane(
      {
        // A default of 20 minutes; a user may choose 1 s to never.
        free: fixtureApp([], {
          name: 'free',
          idleTimeoutMs: 1_200_000,
          warnBeforeMs: 500,
          idleTimeoutBounds: { min: 1000, max: Number.POSITIVE_INFINITY },
        }),
        fixed: fixtureApp([], { name: 'fixed', idleTimeoutMs: 1_200_000 }),
        // A lifetime of 1 h by default, 1 min to 8 h by choice; its `long` profile 1 h to 2 d, idle never allowed.
        lived: fixtureApp([], {
          name: 'lived',
          maxLifetimeMs: 3_600_000,
          maxLifetimeBounds: { min: 60_000, max: 8 * 3_600_000 },
          profiles: [
            {
              name: 'long',
              resources: { cpu: 1, memory: 1024, gpus: 0 },
              limits: {
                maxLifetimeMs: 86_400_000,
                maxLifetimeBounds: { min: 3_600_000, max: 2 * 86_400_000 },
                idleTimeoutMs: 1_200_000,
                idleTimeoutBounds: { min: 60_000, max: Number.POSITIVE_INFINITY },
              },
            },
          ],
        }),
      },
      { SESSIONPLANE_REAPER_INTERVAL: '100ms', SESSIONPLANE_MAX_SESSIONS_PER_USER: '10' },
    );
  });
  afterAll(async () => plane?.dispose());

  const call = async (method: string, path: string, body?: unknown, user = 'alice') => {
    const res = await plane.request(path, { method, user, ...(body ? { body: JSON.stringify(body) } : {}) });
    return { status: res.status, body: (await res.json()) as View };
  };
  const ready = (id: string) =>
    waitFor(async () => (await plane.deps.store.get(id))?.status === 'READY', 20_000, `${id} READY`);

  it('takes a choice within the bounds at launch, and the reaper stops by it; refuses one outside, or on a fixed app', async () => {
    const short = await call('POST', '/sessions', { app: 'free', idleTimeout: '1s' });
    expect(short.status).toBe(202);
    expect(short.body.idleTimeoutSeconds).toBe(1);
    await ready(short.body.id);
    // Its own 1 s, not the app's 20 min: warned, then stopped as idle within seconds.
    const stopped = await waitFor(
      async () =>
        (await plane.deps.store.get(short.body.id))?.status === 'STOPPED'
          ? plane.deps.store.get(short.body.id)
          : undefined,
      20_000,
      'stopped by its chosen idle timeout',
    );
    expect(stopped?.statusReason).toBe('idle');
    const tooShort = await call('POST', '/sessions', { app: 'free', idleTimeout: '500ms' });
    expect(tooShort.status).toBe(400);
    expect(tooShort.body.detail).toBe('idleTimeout: from 1s to never for app free');
    const fixed = await call('POST', '/sessions', { app: 'fixed', idleTimeout: '2h' });
    expect(fixed.body.detail).toBe('idleTimeout: app fixed has a fixed idle timeout');
  }, 60_000);

  it('PATCH /sessions/{id} changes it while it runs (never, where allowed); only its owner may, and the reaper follows', async () => {
    const s = await call('POST', '/sessions', { app: 'free', idleTimeout: '2s' });
    await ready(s.body.id);
    // A grantee or a stranger may not: the one decision says so.
    expect((await call('PATCH', `/sessions/${s.body.id}`, { idleTimeout: 'never' }, 'mallory')).status).toBe(404);
    const never = await call('PATCH', `/sessions/${s.body.id}`, { idleTimeout: 'never' });
    expect(never).toMatchObject({ status: 200, body: { idleTimeoutSeconds: null } });
    // Three times its old limit later, unused: still running.
    await new Promise((r) => setTimeout(r, 6000));
    expect((await plane.deps.store.get(s.body.id))?.status).toBe('READY');
    // Back to a second: stopped by it.
    expect((await call('PATCH', `/sessions/${s.body.id}`, { idleTimeout: 1 })).body.idleTimeoutSeconds).toBe(1);
    await waitFor(async () => (await plane.deps.store.get(s.body.id))?.status === 'STOPPED', 20_000, 'stopped');
    expect((await call('PATCH', `/sessions/${s.body.id}`, { idleTimeout: '1h' })).status).toBe(409);
  }, 60_000);

  it("skaha's create chooses them too (idleTimeout=, maxLifetime=), held to the same bounds in skaha's words", async () => {
    const create = async (form: Record<string, string>) => {
      const res = await plane.request('/skaha/v1/session', {
        method: 'POST',
        user: 'alice',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ app: 'free', name: 'chosen', ...form }).toString(),
      });
      return { status: res.status, text: (await res.text()).trim() };
    };
    const never = await create({ idleTimeout: 'never' });
    expect(never.status).toBe(200);
    const seen = await call('GET', `/sessions/${never.text}`);
    expect(seen.body.idleTimeoutSeconds).toBeNull();
    const lived = await create({ app: 'lived', name: 'lived', maxLifetime: '8h' });
    expect(lived.status).toBe(200);
    expect((await call('GET', `/sessions/${lived.text}`)).body.maxLifetimeSeconds).toBe(28_800);
    expect(await create({ app: 'lived', maxLifetime: '9h' })).toEqual({
      status: 400,
      text: 'maxLifetime: from 60s to 28800s for app lived',
    });
    expect(await create({ idleTimeout: '500ms' })).toEqual({
      status: 400,
      text: 'idleTimeout: from 1s to never for app free',
    });
    const bad = await create({ idleTimeout: 'soon' });
    expect(bad.status).toBe(400);
    expect(bad.text).toMatch(/^Invalid value for 'idleTimeout': not a duration: "soon"/);
    const live = await plane.deps.store.listByOwner('alice');
    expect(live.items.filter((s) => s.name === 'chosen').map((s) => s.id)).toEqual([never.text]);
    for (const id of [never.text, lived.text]) await call('DELETE', `/sessions/${id}`);
  }, 60_000);

  const lifetime = (v: View) => (Date.parse(v.expiresAt) - Date.parse(v.createdAt)) / 1000;

  it("a lifetime chosen at launch and by PATCH, within the app's or its profile's bounds; a renewal grants the chosen one", async () => {
    const catalog = (await (await plane.request('/apps', { user: 'alice' })).json()) as {
      apps: { name: string; choices?: unknown; profiles?: { name: string; choices?: unknown }[] }[];
    };
    const lived = catalog.apps.find((a) => a.name === 'lived');
    expect(lived?.choices).toEqual({ maxLifetime: { defaultSeconds: 3600, minSeconds: 60, maxSeconds: 28_800 } });
    expect(lived?.profiles?.[0]?.choices).toEqual({
      idleTimeout: { defaultSeconds: 1200, minSeconds: 60, maxSeconds: null },
      maxLifetime: { defaultSeconds: 86_400, minSeconds: 3600, maxSeconds: 172_800 },
    });

    const plain = await call('POST', '/sessions', { app: 'lived' });
    expect(lifetime(plain.body)).toBe(3600);
    expect(plain.body.maxLifetimeSeconds).toBeUndefined();
    const chosen = await call('POST', '/sessions', { app: 'lived', maxLifetime: '8h' });
    expect([chosen.status, lifetime(chosen.body), chosen.body.maxLifetimeSeconds]).toEqual([202, 28_800, 28_800]);
    const over = await call('POST', '/sessions', { app: 'lived', maxLifetime: '9h' });
    expect([over.status, over.body.detail]).toEqual([400, 'maxLifetime: from 60s to 28800s for app lived']);
    // The profile's own: its default and its bounds (9 h is within them there), and idle never.
    const profiled = await call('POST', '/sessions', { app: 'lived', profile: 'long' });
    expect([lifetime(profiled.body), profiled.body.maxLifetimeSeconds]).toEqual([86_400, 86_400]);
    const longer = await call('POST', '/sessions', {
      app: 'lived',
      profile: 'long',
      maxLifetime: '9h',
      idleTimeout: 'never',
    });
    expect([longer.status, lifetime(longer.body), longer.body.idleTimeoutSeconds]).toEqual([202, 32_400, null]);
    const fixedLife = await call('POST', '/sessions', { app: 'fixed', maxLifetime: '2h' });
    expect(fixedLife.body.detail).toBe('maxLifetime: app fixed has a fixed lifetime');

    // Later: its owner shortens it (counted from its launch); a grantee may not; one already over is refused.
    await ready(chosen.body.id);
    const id = chosen.body.id;
    expect((await call('PATCH', `/sessions/${id}`, { maxLifetime: '2h' }, 'mallory')).status).toBe(404);
    const patched = await call('PATCH', `/sessions/${id}`, { maxLifetime: '2h' });
    expect([patched.status, lifetime(patched.body), patched.body.maxLifetimeSeconds]).toEqual([200, 7200, 7200]);
    expect((await call('PATCH', `/sessions/${id}`, { maxLifetime: '10h' })).status).toBe(400);
    expect((await call('PATCH', `/sessions/${id}`, {})).status).toBe(400);
    // A renewal grants its own 2 h from now, not the app's 1 h.
    const renewed = await call('POST', `/sessions/${id}/renew`);
    const fromNow = (Date.parse(renewed.body.expiresAt) - Date.now()) / 1000;
    expect(fromNow).toBeGreaterThan(7000);
    expect(fromNow).toBeLessThanOrEqual(7200);
    for (const s of [plain, chosen, profiled, longer]) await call('DELETE', `/sessions/${s.body.id}`);
  }, 60_000);
});
