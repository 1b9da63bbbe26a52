import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureApp } from '../support/apps';
import { startTestPlane, type TestPlane } from '../support/plane';
import { waitForText } from '../support/wait';

/** #14: only what the runtime can run is offered, and a launch of anything else is a 4xx that stores nothing. */
describe('apps the local runtime cannot run', () => {
  let plane: TestPlane;
  const apps = {
    web: fixtureApp([]),
    // Only an image: this server runs processes, not containers.
    imageonly: { ...fixtureApp([]), command: [], image: 'ghcr.io/acme/viz:1' },
    // Takes a user's image: its command is told the image (and prints its argv, to show it).
    custom: fixtureApp(['--print-argv', '--image', '${image}'], { customImage: true }),
  };

  beforeAll(async () => {
    plane = await startTestPlane(apps, {
      SESSIONPLANE_IMAGE_PREFIXES: 'ghcr.io/acme/',
      SESSIONPLANE_MAX_SESSIONS_PER_USER: '1',
    });
  });
  afterAll(async () => plane?.dispose());

  it('lists only the apps it can run', async () => {
    const body = (await (await plane.request('/apps', { user: 'alice' })).json()) as { apps: { name: string }[] };
    expect(body.apps.map((a) => a.name).sort()).toEqual(['custom', 'web']);
  });

  it("runs a custom-image app's command with the image named, as ${image} and SESSION_IMAGE", async () => {
    const res = await plane.request('/sessions', {
      method: 'POST',
      body: JSON.stringify({ app: 'custom', image: 'ghcr.io/acme/mine:2' }),
      user: 'carol',
    });
    expect(res.status).toBe(202);
    const { id } = (await res.json()) as { id: string };
    const log = await waitForText(plane.logPath(id), /ARGV (.*)/);
    expect(JSON.parse(log[1]!)).toEqual(expect.arrayContaining(['--image', 'ghcr.io/acme/mine:2']));
  });

  it.each([['an image-only app', { app: 'imageonly' }, 'names only an image', 'bob']])(
    'answers a launch of %s with 409 app.not_runnable and records nothing, quota untouched',
    async (_what, body, why, user) => {
      const res = await plane.request('/sessions', { method: 'POST', body: JSON.stringify(body), user });
      expect(res.status).toBe(409);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      const problem = (await res.json()) as { code: string; detail: string };
      expect(problem.code).toBe('app.not_runnable');
      expect(problem.detail).toContain(why);
      expect((await plane.deps.store.listByOwner(user)).items).toEqual([]);
      // The quota (one session each here) is untouched: the one session allowed still launches.
      const ok = await plane.request('/sessions', { method: 'POST', body: JSON.stringify({ app: 'web' }), user });
      expect(ok.status).toBe(202);
    },
  );
});
