import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalServer } from '../../functions/local/http-server';
import { fixtureApp } from '../support/apps';
import { startTestPlane, type TestPlane } from '../support/plane';
import { testUsers } from '../support/users';

const users = testUsers({ alice: { groups: ['viz'] }, bob: {}, root: { role: 'admin' } });
const TOKENS = users.tokens;
const VIZ_IMAGE = 'images.example.org/viz/viz:1';

/** Who may launch what (#22): per-app access by user and group, and named sizes per group. */
describe('per-app access and resource profiles', () => {
  let plane: TestPlane;
  let server: LocalServer;

  beforeAll(async () => {
    const limits = { cpu: 4, memory: 4096, gpus: 0 };
    plane = await startTestPlane(
      {
        viz: fixtureApp([], {
          limits,
          skahaImage: VIZ_IMAGE,
          access: { users: [], groups: ['viz'] },
          profiles: [
            { name: 'small', resources: { cpu: 0.5, memory: 512, gpus: 0 } },
            { name: 'large', resources: { cpu: 2, memory: 2048, gpus: 0 }, access: { users: [], groups: ['viz'] } },
            { name: 'gpu-large', resources: { cpu: 4, memory: 4096, gpus: 1 }, access: { users: [], groups: ['gpu'] } },
          ],
        }),
        open: fixtureApp([], {
          limits,
          skahaImage: 'images.example.org/open/open:1',
          profilesOnly: true,
          profiles: [
            { name: 'small', resources: { cpu: 1, memory: 1024, gpus: 0 } },
            {
              name: 'big',
              title: 'Big',
              resources: { cpu: 2, memory: 2048, gpus: 0 },
              capacity: 'FARGATE_SPOT',
              access: { users: ['alice'], groups: [] },
            },
          ],
        }),
      },
      { SESSIONPLANE_AUTH_TOKENS: users.path, SESSIONPLANE_MAX_CPU_PER_USER: '16' },
      { realAuth: true },
    );
    server = await plane.listen();
  });
  afterAll(async () => {
    await plane?.dispose();
    users.dispose();
  });

  const api = (who: keyof typeof TOKENS, path: string, init: RequestInit = {}) =>
    users.api(server.url, who, path, init);
  const launch = (who: keyof typeof TOKENS, body: unknown) =>
    api(who, '/sessions', { method: 'POST', body: JSON.stringify(body) });
  const appsOf = async (who: keyof typeof TOKENS) =>
    ((await (await api(who, '/apps')).json()) as { apps: { name: string; profiles?: { name: string }[] }[] }).apps;

  it('shows and launches a group-only app for its group; to anyone else it does not exist (API, skaha, the launcher, the portal)', async () => {
    expect((await appsOf('alice')).map((a) => a.name)).toEqual(['viz', 'open']);
    expect((await appsOf('bob')).map((a) => a.name)).toEqual(['open']);
    expect((await appsOf('root')).map((a) => a.name)).toEqual(['viz', 'open']); // admins see everything
    expect((await launch('alice', { app: 'viz' })).status).toBe(202);

    // bob: the same answer as for an app that does not exist.
    const hidden = await launch('bob', { app: 'viz' });
    const unknown = await launch('bob', { app: 'no-such-app' });
    expect([hidden.status, ((await hidden.json()) as { code: string }).code]).toEqual([404, 'app.not_found']);
    expect([unknown.status, ((await unknown.json()) as { code: string }).code]).toEqual([404, 'app.not_found']);
    expect((await api('bob', '/apps/viz/icon')).status).toBe(404);

    const images = async (who: keyof typeof TOKENS) =>
      ((await (await api(who, '/skaha/v1/image')).json()) as { id: string }[]).map((i) => i.id);
    expect(await images('alice')).toContain(VIZ_IMAGE);
    expect(await images('bob')).not.toContain(VIZ_IMAGE);
    const skaha = await api('bob', '/skaha/v1/session', {
      method: 'POST',
      body: `name=x&image=${encodeURIComponent(VIZ_IMAGE)}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect([skaha.status, await skaha.text()]).toEqual([400, 'image not in a trusted repository']);

    const wslink = async (application: string) => {
      const res = await api('bob', '/paraview', { method: 'POST', body: JSON.stringify({ application }) });
      return [res.status, await res.text()];
    };
    // The launcher's own answer for an app that does not exist, word for word but the name.
    const [status, text] = await wslink('no-such-app');
    expect(await wslink('viz')).toEqual([status, String(text).replace('no-such-app', 'viz')]);

    // The portal: bob signs in and finds no launch form for it.
    const signIn = await fetch(`${server.url}/sign-in`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: server.url },
      body: `token=${TOKENS.bob}&next=/`,
    });
    const cookie = signIn.headers.getSetCookie()[0]!.split(';')[0]!;
    const home = await (await fetch(`${server.url}/`, { headers: { cookie } })).text();
    expect(home).toContain('data-app="open"');
    expect(home).not.toContain('data-app="viz"');
  });

  it("offers each user exactly the profiles they may choose, and refuses another's with a problem naming it", async () => {
    const profiles = (apps: { name: string; profiles?: { name: string }[] }[], app: string) =>
      apps.find((a) => a.name === app)?.profiles?.map((p) => p.name);
    expect(profiles(await appsOf('alice'), 'viz')).toEqual(['small', 'large']);
    expect(profiles(await appsOf('root'), 'viz')).toEqual(['small', 'large', 'gpu-large']);
    expect(profiles(await appsOf('alice'), 'open')).toEqual(['small', 'big']);
    expect(profiles(await appsOf('bob'), 'open')).toEqual(['small']);

    const refused = await launch('alice', { app: 'viz', profile: 'gpu-large' });
    expect(refused.status).toBe(403);
    const problem = (await refused.json()) as { code: string; detail: string; profile: string };
    expect(problem).toMatchObject({ code: 'auth.forbidden', profile: 'gpu-large' });
    expect(problem.detail).toContain('gpu-large');
    expect((await launch('bob', { app: 'open', profile: 'big' })).status).toBe(403);

    const big = await launch('alice', { app: 'open', profile: 'big' });
    expect(big.status).toBe(202);
    const session = (await big.json()) as { id: string; resources: { cpu: number; memory: number } };
    expect(session.resources).toMatchObject({ cpu: 2, memory: 2048 });
    expect(await plane.deps.store.get(session.id)).toMatchObject({ profile: 'big' });

    // profilesOnly: raw resources are refused; the default size (no profile) is not.
    const raw = await launch('bob', { app: 'open', resources: { cpu: 2 } });
    expect(raw.status).toBe(400);
    expect(((await raw.json()) as { detail: string }).detail).toContain('takes a profile');
    expect((await launch('bob', { app: 'open' })).status).toBe(202);
    expect((await launch('bob', { app: 'open', profile: 'nope' })).status).toBe(400);
  });

  it("lists each user's profiles in skaha's /context", async () => {
    const context = async (who: keyof typeof TOKENS) =>
      (
        (await (await api(who, '/skaha/v1/context')).json()) as { profiles?: { app: string; name: string }[] }
      ).profiles?.map((p) => `${p.app}/${p.name}`);
    expect(await context('alice')).toEqual(['viz/small', 'viz/large', 'open/small', 'open/big']);
    expect(await context('bob')).toEqual(['open/small']);
  });
});
