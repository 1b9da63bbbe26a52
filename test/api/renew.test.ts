import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureApp } from '../support/apps';
import { startTestPlane, type TestPlane } from '../support/plane';

describe('POST /sessions/{id}/renew', () => {
  let plane: TestPlane;
  beforeAll(async () => {
    plane = await startTestPlane(
      { web: fixtureApp([], { maxLifetimeMs: 3_600_000 }) },
      { SESSIONPLANE_RENEW_CEILING: '90m' },
    );
  });
  afterAll(async () => plane?.dispose());

  it('moves the expiry to maxLifetime from now, never past the ceiling, for the owner only', async () => {
    const launched = (await (await plane.request('/sessions', { method: 'POST', body: '{"app":"web"}' })).json()) as {
      id: string;
      createdAt: string;
      expiresAt: string;
    };
    await new Promise((r) => setTimeout(r, 30));
    const res = await plane.request(`/sessions/${launched.id}/renew`, { method: 'POST' });
    expect(res.status).toBe(200);
    const renewed = (await res.json()) as { expiresAt: string };
    expect(Date.parse(renewed.expiresAt)).toBeGreaterThan(Date.parse(launched.expiresAt));
    expect(Date.parse(renewed.expiresAt)).toBeLessThanOrEqual(Date.parse(launched.createdAt) + 90 * 60_000);
    expect((await plane.request(`/sessions/${launched.id}/renew`, { method: 'POST', user: 'mallory' })).status).toBe(
      404,
    );
  });

  it('refuses to renew a stopped session: 409', async () => {
    const launched = (await (await plane.request('/sessions', { method: 'POST', body: '{"app":"web"}' })).json()) as {
      id: string;
    };
    await plane.request(`/sessions/${launched.id}`, { method: 'DELETE' });
    const res = await plane.request(`/sessions/${launched.id}/renew`, { method: 'POST' });
    expect(res.status).toBe(409);
    expect(await res.json()).toMatchObject({ code: 'session.illegal_transition' });
  });
});
