import { describe, expect, it } from 'vitest';
import { parseApps } from '../../shared/config/apps';
import { appsFromImages } from '../../shared/config/image-labels';
import { poolBackoffMs, poolServes, poolTarget, specHash } from '../../shared/domain/pool';
import { fixtureApp, problemsOf } from '../support/apps';

const at = (hhmm: string) => Date.UTC(2026, 11, 5, Number(hhmm.slice(0, 2)), Number(hhmm.slice(3)));

describe('warm pools in the apps file', () => {
  it('reads pool {min, max, ttl, schedule}: max defaults to min, ttl to 6 h, times are UTC minutes', () => {
    const apps = parseApps({
      a: { cmd: ['x'], pool: { min: 2 } },
      b: { cmd: ['x'], pool: { min: 1, max: 4, ttl: '2h', schedule: [{ from: '22:00', to: '06:30', min: 0 }] } },
    });
    expect(apps.get('a')!.pool).toEqual({ min: 2, max: 2, ttlMs: 6 * 3600_000, schedule: [] });
    expect(apps.get('b')!.pool).toEqual({
      min: 1,
      max: 4,
      ttlMs: 7_200_000,
      schedule: [{ from: 1320, to: 390, min: 0 }],
    });
  });

  it('refuses what cannot work, naming the app and the key', () => {
    expect(problemsOf({ a: { cmd: ['x'], pool: { min: 3, max: 2 } } }).join()).toMatch(
      /app a: pool.min: `min` is above `max`/,
    );
    expect(problemsOf({ a: { cmd: ['x'], pool: { min: 1, ttl: '10s' } } }).join()).toMatch(/pool.ttl: at least 60s/);
    expect(
      problemsOf({ a: { cmd: ['x'], pool: { min: 1, schedule: [{ from: '25:00', to: '06:00', min: 0 }] } } }).join(),
    ).toMatch(/UTC time/);
    expect(
      problemsOf({
        a: { cmd: ['x'], pool: { min: 1, max: 1, schedule: [{ from: '08:00', to: '18:00', min: 3 }] } },
      }).join(),
    ).toMatch(/above the pool/);
    expect(problemsOf({ a: { cmd: ['x'], home: '/home/user', pool: { min: 1 } } }).join()).toMatch(
      /a home is mounted for its user at start/,
    );
    expect(problemsOf({ a: { cmd: ['x'], pool: { min: 1, size: 3 } } }).join()).toMatch(/size/);
  });

  it('is read from an image label too', () => {
    const { apps, problems } = appsFromImages(
      [
        {
          image: 'localhost/viz/echo:1',
          labels: { 'org.sessionplane.cmd': '["node","echo.mjs"]', 'org.sessionplane.pool': '{"min": 1, "max": 2}' },
        },
      ],
      ['localhost/'],
    );
    expect(problems).toEqual([]);
    expect(apps.get('echo')!.pool).toMatchObject({ min: 1, max: 2 });
  });
});

describe('pool rules', () => {
  const app = fixtureApp([], {
    params: { GREETING: { type: 'string', default: 'Hello', maxLength: 40, required: false } },
    pool: { min: 2, max: 3, ttlMs: 3_600_000, schedule: [] },
  });

  it('serves only launches that come to the app defaults: no other params, resources or image, and no home', () => {
    expect(poolServes(app, {})).toBe(true);
    expect(poolServes(app, { params: { GREETING: 'Hello' }, resources: { cpu: app.resources.cpu } })).toBe(true);
    expect(poolServes(app, { params: { GREETING: 'Hi' } })).toBe(false);
    expect(poolServes(app, { resources: { memory: 1024 } })).toBe(false);
    expect(poolServes(app, { image: 'registry.example.org/ok/x:1' })).toBe(false);
    expect(poolServes({ ...app, home: '/home/user' }, {})).toBe(false);
    expect(poolServes({ ...app, pool: undefined }, {})).toBe(false);
    expect(poolServes(app, { params: { NOPE: '1' } })).toBe(false);
  });

  it('hashes what makes an instance (command, env, resources, …), not its title, timeouts or pool sizes; key order does not matter', () => {
    const hash = specHash(app);
    expect(
      specHash({ ...app, title: 'Echo', idleTimeoutMs: 1, pool: { min: 9, max: 9, ttlMs: 60_000, schedule: [] } }),
    ).toBe(hash);
    expect(specHash({ ...app, env: { A: '1', B: '2' } })).toBe(specHash({ ...app, env: { B: '2', A: '1' } }));
    expect(specHash({ ...app, env: { A: '1' } })).not.toBe(hash);
    expect(specHash({ ...app, command: [...app.command, '--more'] })).not.toBe(hash);
    expect(specHash({ ...app, resources: { ...app.resources, cpu: 2 } })).not.toBe(hash);
    // A process's folder is part of it; an image's is not (its container has its own).
    expect(specHash({ ...app, cwd: '/a' })).not.toBe(specHash({ ...app, cwd: '/b' }));
    expect(specHash({ ...app, image: 'x:1', cwd: '/a' })).toBe(specHash({ ...app, image: 'x:1', cwd: '/b' }));
    // Nor a built image's: each Lambda reads its own copy of the apps file, in its own folder (the AWS journey).
    expect(specHash({ ...app, build: '/apps', cwd: '/var/task/a' })).toBe(
      specHash({ ...app, build: '/apps', cwd: '/var/task/b' }),
    );
    expect(specHash(app, 'arn:aws:ecs:…:task-definition/echo:7')).not.toBe(
      specHash(app, 'arn:aws:ecs:…:task-definition/echo:8'),
    );
  });

  it('keeps `min` outside its windows and a window`s own min inside it (wrapping past midnight), never above max', () => {
    const pool = {
      min: 2,
      max: 3,
      ttlMs: 1,
      schedule: [
        { from: 22 * 60, to: 6 * 60, min: 0 },
        { from: 9 * 60, to: 10 * 60, min: 5 },
      ],
    };
    expect(poolTarget(pool, at('12:00'))).toBe(2);
    expect(poolTarget(pool, at('23:30'))).toBe(0);
    expect(poolTarget(pool, at('03:00'))).toBe(0);
    expect(poolTarget(pool, at('06:00'))).toBe(2);
    expect(poolTarget(pool, at('09:15'))).toBe(3);
  });

  it('backs off 5 s, doubling, at most 10 min', () => {
    expect([1, 2, 3, 4].map((n) => poolBackoffMs(n))).toEqual([5000, 10_000, 20_000, 40_000]);
    expect(poolBackoffMs(20)).toBe(600_000);
  });
});
