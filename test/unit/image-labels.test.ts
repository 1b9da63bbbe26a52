import { describe, expect, it } from 'vitest';
import { AppInputSchema } from '../../shared/config/apps-schema';
import { appEntryFromLabels, appsFromImages, NOT_FROM_LABELS } from '../../shared/config/image-labels';

const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';
const S = 'eu.simphony-project.docker.';

describe('image labels as apps', () => {
  it("reads SimPhoNy-Remote's labels: ui_name, description, icon_128, type, and env.<name> as params (upper-cased, dashes to underscores)", () => {
    const found = appEntryFromLabels('ghcr.io/acme/paraview:5.12', {
      [`${S}ui_name`]: 'ParaView',
      [`${S}description`]: 'Visualise large data',
      [`${S}icon_128`]: PNG,
      [`${S}type`]: 'vncapp',
      [`${S}env.x11-width`]: '',
      [`${S}env.x11-height`]: 'The desktop height',
    });
    expect(found).toEqual({
      name: 'paraview',
      problems: [],
      entry: {
        image: 'ghcr.io/acme/paraview:5.12',
        title: 'ParaView',
        description: 'Visualise large data',
        icon: `data:image/png;base64,${PNG}`,
        type: 'vncapp',
        params: { X11_WIDTH: { type: 'string' }, X11_HEIGHT: { type: 'string', description: 'The desktop height' } },
      },
    });
  });

  it('reads our own labels as apps-file keys, JSON where a key takes a number, list or object', () => {
    const { apps, problems } = appsFromImages(
      [
        {
          image: 'localhost/viz:2',
          labels: {
            'org.sessionplane.name': 'viz-lab',
            'org.sessionplane.cmd': '["node", "/app/echo-ws.mjs", "--port", "${port}"]',
            'org.sessionplane.port': '9000',
            'org.sessionplane.ready': '{"http": "/healthz"}',
            'org.sessionplane.resources': '{"cpu": 0.5, "memory": "512Mi"}',
            'org.sessionplane.limits': '{"cpu": 2, "memory": "2Gi"}',
            'org.sessionplane.idleTimeout': '10m',
            'org.sessionplane.skahaType': 'carta',
            'org.sessionplane.params': '{"COLOR": {"enum": ["red", "blue"], "default": "red"}}',
            // The server's to say, never an image's:
            'org.sessionplane.cwd': '/etc',
            'org.sessionplane.customImage': 'true',
          },
        },
      ],
      ['localhost/'],
    );
    expect(problems).toEqual([]);
    const app = apps.get('viz-lab')!;
    expect(app).toMatchObject({
      image: 'localhost/viz:2',
      command: ['node', '/app/echo-ws.mjs', '--port', '${port}'],
      port: 9000,
      ready: { kind: 'http', path: '/healthz' },
      resources: { cpu: 0.5, memory: 512, gpus: 0 },
      limits: { cpu: 2, memory: 2048 },
      idleTimeoutMs: 600_000,
      customImage: false,
      skahaType: 'carta',
      fromLabels: true,
    });
    expect(app.params.COLOR).toMatchObject({ enum: ['red', 'blue'], default: 'red' });
    expect(app.cwd).toBeUndefined();
  });

  it('reads access and profiles from labels, so a labelled image is closed to others as an apps-file entry is', () => {
    const { apps, problems } = appsFromImages(
      [
        {
          image: 'localhost/gpu-viz:1',
          labels: {
            'org.sessionplane.access': '{"groups": ["viz"]}',
            'org.sessionplane.profiles':
              '{"small": {"resources": {"cpu": 1, "memory": "2Gi"}}, "gpu": {"title": "One GPU", "resources": {"cpu": 4, "memory": "16Gi", "gpus": 1}, "access": {"users": ["alice"]}}}',
            'org.sessionplane.profilesOnly': 'true',
            'org.sessionplane.limits': '{"cpu": 4, "memory": "16Gi", "gpus": 1}',
          },
        },
        { image: 'localhost/bad-access:1', labels: { 'org.sessionplane.access': '{"teams": ["viz"]}' } },
      ],
      ['localhost/'],
    );
    const app = apps.get('gpu-viz')!;
    expect(app.access).toEqual({ users: [], groups: ['viz'] });
    expect(app.profilesOnly).toBe(true);
    expect(app.profiles?.map((p) => [p.name, p.resources, p.access?.users])).toEqual([
      ['small', { cpu: 1, memory: 2048, gpus: 0 }, undefined],
      ['gpu', { cpu: 4, memory: 16384, gpus: 1 }, ['alice']],
    ]);
    expect(apps.has('bad-access')).toBe(false);
    expect(problems.join('\n')).toMatch(/image localhost\/bad-access:1: app bad-access: access/);
  });

  it('lists only images from allowed repositories, and only labelled ones; the newest image of a name wins', () => {
    const labels = { 'org.sessionplane.description': 'x' };
    const { apps } = appsFromImages(
      [
        { image: 'localhost/viz:1', labels: { 'org.sessionplane.description': 'old' }, created: 1 },
        { image: 'localhost/viz:2', labels: { 'org.sessionplane.description': 'new' }, created: 2 },
        { image: 'localhost/plain:1', labels: {} },
        { image: 'docker.io/evil/viz-lab:1', labels: { ...labels, 'org.sessionplane.name': 'evil' } },
      ],
      ['localhost/'],
    );
    expect([...apps.keys()]).toEqual(['viz']);
    expect(apps.get('viz')!.description).toBe('new');
  });

  it('leaves out an image whose labels are not valid, and says why, naming the image', () => {
    const { apps, problems } = appsFromImages(
      [
        {
          image: 'localhost/bad:1',
          labels: { 'org.sessionplane.port': '"eighty"', 'org.sessionplane.params': '{"PATH": "string"}' },
        },
        { image: 'localhost/worse:1', labels: { 'org.sessionplane.name': '../etc' } },
        { image: 'localhost/quoted:1', labels: { 'org.sessionplane.cmd': '\'["node"]\'' } },
      ],
      ['localhost/'],
    );
    expect(apps.size).toBe(0);
    expect(problems.join('\n')).toMatch(/image localhost\/bad:1: app bad: port/);
    expect(problems.join('\n')).toMatch(/params\.PATH.*reserved/);
    expect(problems.join('\n')).toMatch(/image localhost\/worse:1: app name "..\/etc"/);
    expect(problems.join('\n')).toMatch(/image localhost\/quoted:1: org.sessionplane.cmd: not valid JSON/);
  });

  it("sets from labels exactly the apps-file keys not named as the server's (each named with its reason)", () => {
    const labels = Object.fromEntries(
      Object.keys(AppInputSchema.shape).map((k) => [
        `org.sessionplane.${k}`,
        k === 'params' ? '{"X":{"type":"string"}}' : '"x"',
      ]),
    );
    const found = appEntryFromLabels('ghcr.io/acme/any:1', labels);
    const set = Object.keys(found?.entry ?? {}).filter((k) => k !== 'image');
    const refused = Object.keys(NOT_FROM_LABELS);
    expect(set.filter((k) => refused.includes(k))).toEqual([]);
    expect([...set, ...refused].sort()).toEqual(Object.keys(AppInputSchema.shape).sort());
    for (const reason of Object.values(NOT_FROM_LABELS)) expect(reason.length).toBeGreaterThan(10);
  });
});
