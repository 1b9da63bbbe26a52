import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureApp } from '../support/apps';
import { startTestPlane, type TestPlane } from '../support/plane';
import { waitFor } from '../support/wait';

interface View {
  id: string;
  status: string;
  statusReason?: string;
  idleTimeoutSeconds?: number | null;
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
});
