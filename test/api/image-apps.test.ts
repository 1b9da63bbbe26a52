import type Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureApp } from '../support/apps';
import { buildImage, TEST_IMAGE, testEngine } from '../support/container-engine';
import { settledStart, startTestPlane, type TestPlane } from '../support/plane';

const engine = await testEngine();
const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';
const S = 'eu.simphony-project.docker';

// LABEL values are quoted as in a shell (JSON inside double quotes, its quotes escaped), and the
// builder substitutes ${...}: \${host} keeps the placeholder for Sessionplane.
const SIMPHONY = `FROM ${TEST_IMAGE}
LABEL ${S}.ui_name="Viz Lab" ${S}.description="A labelled image, launchable as it is" ${S}.type=webapp \\
  ${S}.icon_128="${PNG}" ${S}.env.x11-width="The desktop width" \\
  org.sessionplane.cmd="[\\"node\\", \\"/app/echo-ws.mjs\\", \\"--host\\", \\"\\\${host}\\", \\"--port\\", \\"\\\${port}\\"]" \\
  org.sessionplane.ready_line="App running at" org.sessionplane.resources="{\\"cpu\\": 0.25, \\"memory\\": \\"128Mi\\"}"
`;
const OURS = `FROM ${TEST_IMAGE}
LABEL org.sessionplane.name=labelled-echo org.sessionplane.description="Only our labels" \\
  org.sessionplane.cmd="[\\"node\\", \\"/app/echo-ws.mjs\\", \\"--host\\", \\"0.0.0.0\\", \\"--port\\", \\"8080\\"]" org.sessionplane.ready="{\\"tcp\\": true}"
`;

describe.skipIf('reason' in engine)(`labelled images as apps${'reason' in engine ? ` (${engine.reason})` : ''}`, () => {
  const { docker, address } = engine as { docker: Docker; address: string };
  let plane: TestPlane;
  beforeAll(async () => {
    await buildImage(docker, 'localhost/sp-test/vizlab:1', SIMPHONY);
    await buildImage(docker, 'localhost/sp-test/ours:1', OURS);
    // Labelled, but from a repository not allowed: never listed.
    await buildImage(docker, 'localhost/sp-other/hidden:1', OURS.replace('labelled-echo', 'hidden'));
    plane = await startTestPlane(
      {
        web: fixtureApp([]),
        'labelled-echo': fixtureApp([], { description: 'the apps file wins a name' }),
        ghost: fixtureApp([], { image: 'localhost/sp-test/ghost:1', command: [] }),
      },
      { SESSIONPLANE_CONTAINER_HOST: address, SESSIONPLANE_IMAGE_PREFIXES: 'localhost/sp-test/' },
    );
  }, 60_000);
  afterAll(async () => {
    await plane?.dispose();
    for (const tag of ['localhost/sp-test/vizlab:1', 'localhost/sp-test/ours:1', 'localhost/sp-other/hidden:1'])
      await docker
        .getImage(tag)
        .remove({ force: true })
        .catch(() => undefined);
  });

  it('lists a labelled image (SimPhoNy labels and ours) in GET /apps with its title, params and icon; the apps file wins a name', async () => {
    const { apps } = (await (await plane.request('/apps', { user: 'alice' })).json()) as {
      apps: Record<string, unknown>[];
    };
    const byName = new Map(apps.map((a) => [a.name, a]));
    expect([...byName.keys()].sort()).toEqual(['ghost', 'labelled-echo', 'vizlab', 'web']);
    expect(byName.get('vizlab')).toMatchObject({
      title: 'Viz Lab',
      description: 'A labelled image, launchable as it is',
      type: 'webapp',
      icon: 'apps/vizlab/icon',
      image: 'localhost/sp-test/vizlab:1',
      source: 'image-labels',
      resources: { cpu: 0.25, memory: 128, gpus: 0 },
      params: { X11_WIDTH: { type: 'string', description: 'The desktop width' } },
    });
    expect(byName.get('labelled-echo')).toMatchObject({
      source: 'apps-file',
      description: 'the apps file wins a name',
    });
  });

  it("is one catalog: skaha's /image lists the labelled image, and skaha launches it by image", async () => {
    const images = (await (await plane.request('/skaha/v1/image', { user: 'alice' })).json()) as {
      id: string;
      types: string[];
    }[];
    // Its skaha type: SimPhoNy's `webapp` is none of skaha's, so `contributed` (a web app).
    expect(images).toContainEqual({ id: 'localhost/sp-test/vizlab:1', types: ['contributed'], digest: '' });
    expect(images.map((i) => i.id)).not.toContain('localhost/sp-other/hidden:1');
    const res = await plane.request('/skaha/v1/session', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'name=viz1&image=localhost%2Fsp-test%2Fvizlab%3A1',
      user: 'carol',
    });
    expect(res.status).toBe(200);
    const id = (await res.text()).trim();
    expect(await plane.deps.store.get(id)).toMatchObject({ app: 'vizlab', owner: 'carol' });
    await plane.request(`/skaha/v1/session/${id}`, { method: 'DELETE', user: 'carol' });
  });

  it('serves the icon as a PNG that cannot run script', async () => {
    const res = await plane.request('/apps/vizlab/icon', { user: 'alice' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/png');
    expect(res.headers.get('content-security-policy')).toContain('sandbox');
    expect(Buffer.from(await res.arrayBuffer()).equals(Buffer.from(PNG, 'base64'))).toBe(true);
    expect((await plane.request('/apps/web/icon', { user: 'alice' })).status).toBe(404);
    expect((await plane.request('/apps/hidden/icon', { user: 'alice' })).status).toBe(404);
  });

  it('launches the labelled image as it is: READY, its param passed, then stopped', async () => {
    const res = await plane.request('/sessions', {
      method: 'POST',
      body: JSON.stringify({ app: 'vizlab', params: { X11_WIDTH: '1280' } }),
      user: 'alice',
    });
    expect(res.status).toBe(202);
    const { id } = (await res.json()) as { id: string };
    const ready = await settledStart(plane, id, 20_000);
    expect(ready).toMatchObject({ status: 'READY', runtime: { kind: 'container' }, params: { X11_WIDTH: '1280' } });
    const info = await docker.getContainer(ready.runtime!.runtimeId.slice('container:'.length)).inspect();
    expect(info.Config.Env).toContain('X11_WIDTH=1280');
    expect((await plane.request(`/sessions/${id}`, { method: 'DELETE', user: 'alice' })).status).toBeLessThan(300);
  });

  it('fails a launch of an image the engine does not have at once, naming it, and leaves no container', async () => {
    const res = await plane.request('/sessions', {
      method: 'POST',
      body: JSON.stringify({ app: 'ghost' }),
      user: 'bob',
    });
    expect(res.status).toBe(503);
    const problem = (await res.json()) as { code: string; detail: string };
    expect(problem).toMatchObject({ code: 'runtime.start_failed' });
    expect(problem.detail).toContain('localhost/sp-test/ghost:1');
    const [session] = (await plane.deps.store.listByOwner('bob')).items;
    expect(session).toMatchObject({
      status: 'FAILED',
      statusReason: expect.stringContaining('is not on this machine'),
    });
    expect(
      await docker.listContainers({ all: true, filters: { label: [`org.sessionplane.session.id=${session!.id}`] } }),
    ).toEqual([]);
  });
});
