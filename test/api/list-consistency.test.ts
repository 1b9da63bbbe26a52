import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Session } from '../../shared/domain/session';
import { fixtureApp } from '../support/apps';
import { settledStart, startTestPlane, type TestPlane } from '../support/plane';
import { waitFor } from '../support/wait';

/**
 * #33: a portal card said "The app is ready." (its event log) beside a STARTING badge, because the
 * list came from the owner index, which DynamoDB updates eventually. dynalite updates its indexes at
 * once, so the index's lag is played here: the listing answers with the records as they were.
 */
describe('GET /sessions while the owner index lags', () => {
  let plane: TestPlane;
  const asLaunched = new Map<string, Session>();

  beforeAll(async () => {
    plane = await startTestPlane({ app: fixtureApp() });
    const store = plane.deps.store;
    const listByOwner = store.listByOwner.bind(store);
    store.listByOwner = async (owner, options) => {
      const page = await listByOwner(owner, options);
      return { ...page, items: page.items.map((s) => asLaunched.get(s.id) ?? s) };
    };
  });
  afterAll(async () => plane?.dispose());

  it('lists a session that is READY by its record as READY, whatever the index still says', async () => {
    const res = await plane.request('/sessions', { method: 'POST', body: JSON.stringify({ app: 'app' }) });
    const { id } = (await res.json()) as { id: string };
    asLaunched.set(id, (await plane.deps.store.get(id))!);
    expect(asLaunched.get(id)!.status).not.toBe('READY');
    expect((await settledStart(plane, id)).status).toBe('READY');
    // Its event log tells READY a moment after the record does (the event follows the write).
    await waitFor(
      async () => {
        const events = (await (await plane.request(`/sessions/${id}/events`)).json()) as {
          events: { phase: string }[];
        };
        return events.events.some((e) => e.phase === 'ready');
      },
      10_000,
      'the ready event',
    );
    const list = (await (await plane.request('/sessions')).json()) as { sessions: { id: string; status: string }[] };
    expect(list.sessions.find((s) => s.id === id)?.status).toBe('READY');
  });
});
