import { describe, expect, it } from 'vitest';
import { volumeMounts, volumesFor, type VolumeSpec } from '../../shared/domain/volumes';

describe('group volumes: who mounts what', () => {
  const volumes: VolumeSpec[] = [
    { name: 'survey', path: '/data/survey', groups: ['astro', 'staff'], mode: 'rw' },
    { name: 'archive', path: '/data/archive', groups: ['staff'], mode: 'ro' },
  ];
  const app = { volumes };

  it("mounts a volume for a member of any of its groups, as its mode says; an admin's role gives none", () => {
    expect(volumesFor(app, { user: 'a', admin: false, groups: ['astro'] })).toEqual([{ name: 'survey', mode: 'rw' }]);
    expect(volumesFor(app, { user: 's', admin: false, groups: ['staff'] })).toEqual([
      { name: 'survey', mode: 'rw' },
      { name: 'archive', mode: 'ro' },
    ]);
    expect(volumesFor(app, { user: 'root', admin: true })).toEqual([]);
    expect(volumesFor(app, undefined)).toEqual([]);
    expect(volumesFor({}, { user: 'a', admin: false, groups: ['astro'] })).toEqual([]);
  });

  it('places what a session was given at the paths its app names now, and drops a volume the app no longer names', () => {
    expect(volumeMounts(app, [{ name: 'archive', mode: 'ro' }])).toEqual([
      { name: 'archive', mountPath: '/data/archive', readOnly: true },
    ]);
    expect(volumeMounts(app, [{ name: 'gone', mode: 'rw' }])).toEqual([]);
    expect(volumeMounts(app, undefined)).toEqual([]);
  });
});
