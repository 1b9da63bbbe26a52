import { describe, expect, it } from 'vitest';
import { groupSecretsFor, secretRefsOf } from '../../shared/domain/group-secrets';

describe('secrets held by groups', () => {
  const app = {
    secrets: { TOKEN: 'env:T', LICENCE: 'file:/lic', GPU_KEY: 'env:G' },
    secretGroups: { LICENCE: ['lab'], GPU_KEY: ['gpu', 'lab'] },
  };

  it("gives a caller the group-held secrets of any group of theirs; an admin's role or no caller gets none", () => {
    expect(groupSecretsFor(app, { user: 'l', admin: false, groups: ['lab'] })).toEqual(['LICENCE', 'GPU_KEY']);
    expect(groupSecretsFor(app, { user: 'g', admin: false, groups: ['gpu'] })).toEqual(['GPU_KEY']);
    expect(groupSecretsFor(app, { user: 'root', admin: true })).toEqual([]);
    expect(groupSecretsFor(app, undefined)).toEqual([]);
  });

  it('hands a session every secret for all, and the group-held ones it was given only', () => {
    expect(secretRefsOf(app, undefined)).toEqual({ TOKEN: 'env:T' });
    expect(secretRefsOf(app, ['GPU_KEY'])).toEqual({ TOKEN: 'env:T', GPU_KEY: 'env:G' });
    expect(secretRefsOf({ secrets: { A: 'env:A' } }, ['A'])).toEqual({ A: 'env:A' });
  });
});
