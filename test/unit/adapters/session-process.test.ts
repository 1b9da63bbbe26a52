import { describe, expect, it } from 'vitest';
import { sessionProcess } from '../../../shared/adapters/runtime/local-process/session-process';
import { fixtureApp } from '../../support/apps';
import { makeSession } from '../../support/sessions';

describe("a process session's command and environment", () => {
  const base = {
    secret: 's',
    host: '127.0.0.1',
    port: 9001,
    marker: 'm',
    baseEnv: { PATH: '/usr/bin', HOME: '/root' },
  };

  it('fills ${appDir} with the apps file folder, so a home app (run in the home) can name its files', () => {
    const app = fixtureApp([], {
      command: ['node', '${appDir}/viz.mjs', '--port', '${port}'],
      cwd: '/srv/apps',
      home: '/home/user',
    });
    const { argv } = sessionProcess({ ...base, session: makeSession(), app });
    expect(argv).toEqual(['node', '/srv/apps/viz.mjs', '--port', '9001']);
  });

  it("gives a home app's process its home as HOME and TRAME_USER_DATA; others keep the server's HOME", () => {
    const app = fixtureApp([], { home: '/home/user' });
    const home = {
      home: { owner: 'alice', uid: 200001, gid: 200001, path: '/data/homes/alice-1' },
      mountPath: '/home/user',
    };
    const withHome = sessionProcess({ ...base, session: makeSession(), app, home });
    expect(withHome.env).toMatchObject({
      HOME: '/data/homes/alice-1',
      TRAME_USER_DATA: '/data/homes/alice-1',
      SESSION_USER: 'alice',
    });
    const without = sessionProcess({ ...base, session: makeSession(), app: fixtureApp([]) });
    expect(without.env.HOME).toBe('/root');
    expect(without.env.TRAME_USER_DATA).toBeUndefined();
  });

  it("sets PYTHONUNBUFFERED=1, as a launcher's operator does for pvpython, unless the app's env says otherwise (#35)", () => {
    expect(sessionProcess({ ...base, session: makeSession(), app: fixtureApp([]) }).env.PYTHONUNBUFFERED).toBe('1');
    const own = fixtureApp([], { env: { PYTHONUNBUFFERED: '' } });
    expect(sessionProcess({ ...base, session: makeSession(), app: own }).env.PYTHONUNBUFFERED).toBe('');
  });
});
