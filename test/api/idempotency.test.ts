import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureApp } from '../support/apps';
import { startTestPlane, type TestPlane } from '../support/plane';

describe('Idempotency-Key on POST /sessions', () => {
  let plane: TestPlane;
  const launch = (key: string | undefined, body: unknown, user = 'alice') =>
    plane.request('/sessions', {
      method: 'POST',
      body: JSON.stringify(body),
      user,
      headers: key === undefined ? {} : { 'idempotency-key': key },
    });
  const processesOf = async (user: string) => {
    const ids = new Set((await plane.deps.store.listByOwner(user)).items.map((s) => s.id));
    return (await plane.runtime.list()).filter((i) => ids.has(i.sessionId)).length;
  };

  beforeAll(async () => {
    plane = await startTestPlane(
      { web: fixtureApp(), other: fixtureApp() },
      { SESSIONPLANE_MAX_SESSIONS_PER_USER: '2', SESSIONPLANE_RATE_LIMIT: '100000' },
    );
  });
  afterAll(async () => plane?.dispose());

  it('gives the same session, with working credentials, for the same key and body; one process', async () => {
    const first = await launch('k-1', { app: 'web', name: 'a', params: {} }, 'ivy');
    const retry = await launch('k-1', { params: {}, name: 'a', app: 'web' }, 'ivy'); // same request, keys reordered
    expect(first.status).toBe(202);
    expect(retry.status).toBe(202);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    const [a, b] = [await first.json(), await retry.json()] as { id: string; token: string; secret: string }[];
    expect(b).toMatchObject({ id: a!.id, token: a!.token, secret: a!.secret });
    expect(await processesOf('ivy')).toBe(1);
  });

  it('refuses the same key with a different body: 422, nothing started', async () => {
    await launch('k-2', { app: 'web' }, 'jack');
    const res = await launch('k-2', { app: 'other' }, 'jack');
    expect(res.status).toBe(422);
    expect(await res.json()).toMatchObject({ code: 'idempotency.mismatch' });
    expect((await plane.deps.store.listByOwner('jack')).items).toHaveLength(1);
  });

  it('starts one session for ten concurrent retries with one key', async () => {
    const replies = await Promise.all(Array.from({ length: 10 }, () => launch('k-3', { app: 'web' }, 'kim')));
    const bodies = await Promise.all(
      replies.filter((r) => r.status === 202).map((r) => r.json() as Promise<{ id: string }>),
    );
    const others = replies.filter((r) => r.status !== 202).map((r) => r.status);
    expect(new Set(bodies.map((b) => b.id)).size).toBe(1);
    expect(others.every((s) => s === 409)).toBe(true); // "in progress": retry shortly
    expect((await plane.deps.store.listByOwner('kim')).items).toHaveLength(1);
    expect(await processesOf('kim')).toBe(1);
  });

  it('scopes keys to the user, and refuses a malformed key', async () => {
    const a = (await (await launch('shared-key', { app: 'web' }, 'lee')).json()) as { id: string };
    const b = (await (await launch('shared-key', { app: 'web' }, 'max')).json()) as { id: string };
    expect(a.id).not.toBe(b.id);
    const bad = await launch('has space', { app: 'web' }, 'lee');
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ code: 'request.invalid' });
  });

  it('forgets a key whose launch was refused, so a later retry can succeed', async () => {
    await launch(undefined, { app: 'web' }, 'nia');
    const kept = (await (await launch(undefined, { app: 'web' }, 'nia')).json()) as { id: string };
    expect((await launch('k-4', { app: 'web' }, 'nia')).status).toBe(429); // at the cap of 2
    await plane.request(`/sessions/${kept.id}`, { method: 'DELETE', user: 'nia' });
    expect((await launch('k-4', { app: 'web' }, 'nia')).status).toBe(202);
  });
});
