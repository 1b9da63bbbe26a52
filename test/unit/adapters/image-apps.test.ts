import { describe, expect, it } from 'vitest';
import { ImageApps } from '../../../shared/adapters/images/image-apps';
import type { LabelledImage } from '../../../shared/domain/images';

const labelled = (name: string): LabelledImage => ({
  image: `localhost/${name}:1`,
  labels: { 'org.sessionplane.description': name, 'org.sessionplane.home': '/home/user' },
});

describe('apps from labelled images, looked for now and then', () => {
  it('looks once per TTL however many ask at once, and again after it', async () => {
    let now = 0;
    let looks = 0;
    const source = {
      name: 'engine',
      list: async () => {
        looks++;
        return [labelled('viz')];
      },
    };
    const apps = new ImageApps([source], {
      allowedPrefixes: ['localhost/'],
      ttlMs: 1000,
      now: () => now,
    });
    await Promise.all([apps.refresh(), apps.refresh(), apps.refresh()]);
    expect(looks).toBe(1);
    expect(apps.current().get('viz')).toMatchObject({ description: 'viz', home: '/home/user', fromLabels: true });
    now = 500;
    await apps.refresh();
    expect(looks).toBe(1);
    now = 1500;
    await apps.refresh();
    expect(looks).toBe(2);
  });

  it('keeps the last answer of a source that fails or hangs, and never makes its callers wait past the timeout', async () => {
    let now = 0;
    let mode: 'ok' | 'fail' | 'hang' = 'ok';
    const source = {
      name: 'engine',
      list: () =>
        mode === 'ok'
          ? Promise.resolve([labelled('viz')])
          : mode === 'fail'
            ? Promise.reject(new Error('down'))
            : new Promise<LabelledImage[]>(() => {}),
    };
    const apps = new ImageApps([source], {
      allowedPrefixes: ['localhost/'],
      ttlMs: 10,
      now: () => now,
      timeoutMs: 200,
    });
    await apps.refresh();
    mode = 'fail';
    now = 100;
    await apps.refresh();
    expect([...apps.current().keys()]).toEqual(['viz']);
    mode = 'hang';
    now = 200;
    const t0 = Date.now();
    await apps.refresh();
    // Given up at its timeout (200 ms), not hung: ample for a loaded machine.
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect([...apps.current().keys()]).toEqual(['viz']);
  });
});
