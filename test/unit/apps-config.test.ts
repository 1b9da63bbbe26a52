import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { problemsOf } from '../support/apps';
import { ecsAppDefaults } from '../../shared/adapters/runtime/ecs/can-run';
import { loadAppsFile } from '../../shared/config/apps-file';
import { parseApps } from '../../shared/config/apps';

function yamlFile(text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'sp-apps-')), 'apps.yml');
  writeFileSync(path, text);
  return path;
}

describe('apps file: the trame apps.yml keys', () => {
  it('expands `app` to the trame default command and ready line', () => {
    const app = parseApps({ viz: { app: 'trame-viz' } }).get('viz')!;
    expect(app.command).toEqual([
      'trame-viz',
      '--host',
      '${host}',
      '--port',
      '${port}',
      '--authKey',
      '${secret}',
      '--server',
    ]);
    expect(app.ready).toEqual({ kind: 'line', line: 'App running at' });
    expect(app.launchTimeoutMs).toBe(60_000);
    expect(app.idleTimeoutMs).toBe(180_000);
  });

  it('reads `never`, 0 and -1 as no idle limit, as ShinyProxy, Daytona and wslink mean them (#37)', () => {
    for (const idleTimeout of ['never', 0, -1, '0'])
      expect(parseApps({ job: { cmd: ['x'], idleTimeout } }).get('job')!.idleTimeoutMs).toBe(Number.POSITIVE_INFINITY);
    expect(parseApps({ job: { cmd: ['x'], idleTimeout: '90s' } }).get('job')!.idleTimeoutMs).toBe(90_000);
  });

  it('takes the origins that may frame an app, and refuses what is not an origin', () => {
    expect(
      parseApps({
        viz: { cmd: ['x'], frameAncestors: ['self', 'https://portal.example.org', 'https://*.example.org'] },
      }).get('viz')!.frameAncestors,
    ).toBe("'self' https://portal.example.org https://*.example.org");
    expect(parseApps({ viz: { cmd: ['x'] } }).get('viz')!.frameAncestors).toBeUndefined(); // the router's default: 'self'
    expect(problemsOf({ viz: { cmd: ['x'], frameAncestors: ['none', 'self'] } }).join()).toContain(
      '`none` stands alone',
    );
    expect(problemsOf({ viz: { cmd: ['x'], frameAncestors: ['https://a.org; script-src *'] } }).join()).toContain(
      'an origin such as',
    );
  });

  it('takes a secret held by groups beside secrets for all, and refuses one with no group', () => {
    const app = parseApps({
      viz: { cmd: ['x'], secrets: { TOKEN: 'env:T', LICENCE: { ref: 'file:/etc/lic', groups: ['lab'] } } },
    }).get('viz')!;
    expect(app.secrets).toEqual({ TOKEN: 'env:T', LICENCE: 'file:/etc/lic' });
    expect(app.secretGroups).toEqual({ LICENCE: ['lab'] });
    expect(problemsOf({ viz: { cmd: ['x'], secrets: { L: { ref: 'env:T', groups: [] } } } }).join()).toContain(
      'name the groups that hold it',
    );
  });

  it('takes group volumes for image apps, read-only unless rw, and refuses them where members cannot be told apart', () => {
    const survey = { name: 'survey', path: '/data/survey', groups: ['astro'] };
    expect(parseApps({ viz: { image: 'ghcr.io/a/v:1', port: 8080, volumes: [survey] } }).get('viz')!.volumes).toEqual([
      { ...survey, mode: 'ro' },
    ]);
    const problems = (app: Record<string, unknown>) =>
      problemsOf({ viz: { image: 'ghcr.io/a/v:1', port: 8080, ...app } }).join();
    expect(problemsOf({ viz: { cmd: ['x'], volumes: [survey] } }).join()).toContain('mounted into containers');
    expect(problems({ volumes: [survey], pool: { min: 1 } })).toContain('starts before its user is known');
    expect(problems({ volumes: [survey], open: true })).toContain('starts before its user is known');
    expect(problems({ volumes: [survey, { ...survey, path: '/data/other' }] })).toContain(
      'a name and a path of its own',
    );
    expect(problems({ volumes: [{ ...survey, groups: [] }] })).toContain('name the groups');
    expect(problems({ volumes: [{ ...survey, path: '/data/../etc' }] })).toContain('no ".."');
    expect(problems({ home: '/home/user', volumes: [{ ...survey, path: '/home/user/data' }] })).toContain(
      'not in the home',
    );
  });

  it('appends `args` to the default command', () => {
    const app = parseApps({ viz: { app: 'viz', args: ['--data', '/data'] } }).get('viz')!;
    expect(app.command.slice(-3)).toEqual(['--server', '--data', '/data']);
  });

  it('lets `cmd` replace the command, as a list or a string, and honours ready_line', () => {
    const apps = parseApps({
      a: { cmd: ['python', '-m', 'x', '--port', '${port}'], ready_line: 'Starting factory' },
      b: { cmd: 'node b.mjs --port ${port}' },
    });
    expect(apps.get('a')).toMatchObject({
      command: ['python', '-m', 'x', '--port', '${port}'],
      ready: { kind: 'line', line: 'Starting factory' },
    });
    expect(apps.get('b')).toMatchObject({ command: ['node', 'b.mjs', '--port', '${port}'], ready: { kind: 'tcp' } });
  });

  it('accepts and ignores the trame client keys www_modules and client_type', () => {
    expect(parseApps({ viz: { app: 'viz', www_modules: ['a'], client_type: 'vue2' } }).has('viz')).toBe(true);
  });
});

describe('apps file: Sessionplane keys', () => {
  it('reads readiness, resources, durations, env and params', () => {
    const app = parseApps({
      web: {
        cmd: ['node', 'x.mjs'],
        ready: { http: '/healthz' },
        resources: { cpu: 2, memory: '4Gi', gpus: 1 },
        limits: { cpu: 4 },
        idleTimeout: '5m',
        maxLifetime: '4d',
        launchTimeout: 90,
        env: { A: 1 },
        image: 'ghcr.io/x/y:1',
        port: 8888,
        capacity: 'FARGATE_SPOT',
        params: {
          MODE: { enum: ['fast', 'slow'], default: 'fast' },
          N: 'integer',
          NAME: { pattern: '[a-z]+', required: true },
        },
        stripPrefix: false,
      },
    }).get('web')!;
    expect(app).toMatchObject({
      ready: { kind: 'http', path: '/healthz' },
      resources: { cpu: 2, memory: 4096, gpus: 1 },
      limits: { cpu: 4, memory: 4096, gpus: 1 },
      idleTimeoutMs: 300_000,
      maxLifetimeMs: 4 * 86_400_000,
      launchTimeoutMs: 90_000,
      env: { A: '1' },
      image: 'ghcr.io/x/y:1',
      port: 8888,
      capacity: 'FARGATE_SPOT',
      stripPrefix: false,
    });
    expect(app.params).toEqual({
      MODE: { type: 'string', enum: ['fast', 'slow'], default: 'fast', maxLength: 1024, required: false },
      N: { type: 'integer', maxLength: 1024, required: false },
      NAME: { type: 'string', pattern: '[a-z]+', maxLength: 1024, required: true },
    });
  });

  it("resolves the working directory against the apps file's folder", () => {
    expect(parseApps({ a: { cmd: ['x'] } }, '/srv/apps').get('a')!.cwd).toBe('/srv/apps');
    expect(parseApps({ a: { cmd: ['x'], cwd: 'sub' } }, '/srv/apps').get('a')!.cwd).toBe('/srv/apps/sub');
  });

  it('loads the demo apps file that npm start uses', () => {
    const apps = loadAppsFile('examples/apps/apps.yml');
    expect([...apps.keys()]).toEqual(['echo', 'hello', 'wslink', 'reduce']);
    expect(apps.get('reduce')).toMatchObject({ kind: 'job', ready: { kind: 'started' }, liveness: { probe: 'off' } });
  });
});

describe('apps file: bad files name the app, the key and the problem', () => {
  it.each<[string, unknown, RegExp]>([
    [
      'cmd with args',
      { a: { app: 'x', cmd: ['y'], args: ['z'] } },
      /app a: .*`cmd` and `args` cannot be used together/,
    ],
    ['args without app', { a: { cmd: ['y'], args: ['z'] } }, /app a: .*`cmd` and `args`/],
    ['no command and no image', { a: { ready_line: 'x' } }, /app a: needs `app`, `cmd` or `image`/],
    ['an unknown key', { a: { app: 'x', comand: ['y'] } }, /app a: .*comand/],
    ['a bad duration', { a: { app: 'x', idleTimeout: 'soon' } }, /app a: idleTimeout: not a duration: "soon"/],
    ['a negative idle timeout but -1', { a: { app: 'x', idleTimeout: -5 } }, /app a: idleTimeout: not a duration: -5 /],
    [
      'a bad memory size',
      { a: { app: 'x', resources: { memory: 'lots' } } },
      /app a: resources\.memory: not a memory size/,
    ],
    ['a bad readiness', { a: { app: 'x', ready: { udp: true } } }, /app a: ready: expected \{line/],
    [
      'ready_line with ready',
      { a: { app: 'x', ready_line: 'r', ready: { tcp: true } } },
      /app a: .*`ready_line` and `ready`/,
    ],
    ['a reserved param', { a: { app: 'x', params: { LD_PRELOAD: 'string' } } }, /app a: params\.LD_PRELOAD: reserved/],
    [
      'a lower-case param',
      { a: { app: 'x', params: { mode: 'string' } } },
      /app a: params\.mode: param names are upper-case/,
    ],
    [
      'a bad param pattern',
      { a: { app: 'x', params: { M: { pattern: '(' } } } },
      /app a: params\.M\.pattern: not a valid regular expression/,
    ],
    [
      'a param with min above max',
      { a: { app: 'x', params: { M: { type: 'integer', min: 5, max: 1 } } } },
      /app a: params\.M: `min` is above `max`/,
    ],
    ['env that overrides ours', { a: { app: 'x', env: { PORT: '1' } } }, /app a: env\.PORT: set by Sessionplane/],
    ['a bad app name', { 'bad name!': { app: 'x' } }, /bad name!/],
    ['a negative port', { a: { app: 'x', port: -1 } }, /app a: port/],
  ])('%s', (_case, doc, pattern) => {
    expect(problemsOf(doc).join('\n')).toMatch(pattern);
  });

  it('reports every problem of every app at once', () => {
    const problems = problemsOf({ a: { ready_line: 'x' }, b: { app: 'x', idleTimeout: 'soon' }, c: { app: 'fine' } });
    expect(problems).toHaveLength(2);
  });

  it('refuses an empty file, a list, and invalid YAML with its line', () => {
    expect(problemsOf(null)).toEqual(['the file defines no apps']);
    expect(problemsOf({})).toEqual(['the file defines no apps']);
    expect(problemsOf(['a'])[0]).toMatch(/expected record/);
    expect(() => loadAppsFile(yamlFile('a:\n  app: [unclosed\n'))).toThrow(/not valid YAML \(line \d+\)/);
    expect(() => loadAppsFile('/nonexistent/apps.yml')).toThrow(/Cannot read apps file/);
  });
});

describe('launch timeouts by runtime', () => {
  const doc = {
    cpu: { image: 'x:1' },
    gpu: { image: 'x:1', resources: { gpus: 1 } },
    set: { image: 'x:1', launchTimeout: '90s' },
  };
  it("gives an app a minute of its own to start, and adds ECS's platform start (4 min, 9 with GPUs), to a stated one too (#36)", () => {
    const local = parseApps(doc);
    expect([...local.values()].map((a) => a.launchTimeoutMs)).toEqual([60_000, 60_000, 90_000]);
    const ecs = parseApps(doc, process.cwd(), ecsAppDefaults);
    expect([...ecs.values()].map((a) => a.launchTimeoutMs)).toEqual([300_000, 600_000, 330_000]);
    // The demo apps file's 25 s echo starts on Fargate: 25 s of its own after the task's 4 minutes.
    const demo = parseApps({ echo: { image: 'x:1', launchTimeout: '25s' } }, process.cwd(), ecsAppDefaults);
    expect(demo.get('echo')!.launchTimeoutMs).toBe(265_000);
  });
});

describe("apps file: skaha's keys", () => {
  it('reads skahaType and skahaImage, and refuses a skahaImage beside an image or an unknown type', () => {
    const apps = parseApps(
      { hello: { cmd: ['node', 'a.mjs'], skahaType: 'desktop', skahaImage: 'localhost/demo/hello:1' } },
      '/apps',
    );
    expect(apps.get('hello')).toMatchObject({ skahaType: 'desktop', skahaImage: 'localhost/demo/hello:1' });
    expect(problemsOf({ a: { image: 'ghcr.io/x/a:1', skahaImage: 'localhost/demo/a:1' } })).toEqual([
      expect.stringContaining('drop `skahaImage`'),
    ]);
    expect(problemsOf({ a: { cmd: ['x'], skahaType: 'jupyter' } })).toEqual([expect.stringContaining('skahaType')]);
    expect(problemsOf({ a: { cmd: ['x'], skahaImage: 'not an image' } })).toEqual([
      expect.stringContaining('skahaImage'),
    ]);
  });
});

describe('apps file: access and profiles', () => {
  it('reads access and profiles (resources over the defaults, their capacity and access), and refuses empty access', () => {
    const apps = parseApps(
      {
        viz: {
          cmd: ['x'],
          access: { groups: ['viz'] },
          profilesOnly: true,
          profiles: {
            small: { resources: { cpu: 1 } },
            'gpu-large': {
              title: 'GPU, large',
              resources: { cpu: 8, memory: '32Gi', gpus: 1 },
              access: { groups: ['gpu'] },
            },
          },
        },
      },
      '/apps',
    );
    expect(apps.get('viz')).toMatchObject({
      access: { users: [], groups: ['viz'] },
      profilesOnly: true,
      profiles: [
        { name: 'small', resources: { cpu: 1, memory: 2048, gpus: 0 } }, // the app's default memory
        {
          name: 'gpu-large',
          title: 'GPU, large',
          resources: { cpu: 8, memory: 32 * 1024, gpus: 1 },
          access: { users: [], groups: ['gpu'] },
        },
      ],
    });
    expect(problemsOf({ a: { cmd: ['x'], access: {} } })).toEqual([
      expect.stringContaining('at least one user or group'),
    ]);
    expect(problemsOf({ a: { cmd: ['x'], profiles: { Big: { resources: { cpu: 1 } } } } })).toEqual([
      expect.stringContaining('lower-case'),
    ]);
  });
});
