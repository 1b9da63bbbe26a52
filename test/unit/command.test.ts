import { describe, expect, it } from 'vitest';
import { renderArgv, sessionEnv } from '../../shared/domain/command';

describe('renderArgv', () => {
  it('fills known placeholders and leaves unknown ones, as safe_substitute does', () => {
    expect(renderArgv(['app', '--port', '${port}', '--x=${missing}'], { port: '9001' })).toEqual([
      'app',
      '--port',
      '9001',
      '--x=${missing}',
    ]);
  });

  it('never re-expands a value and never splits one into more arguments', () => {
    const argv = renderArgv(['app', '--title', '${TITLE}'], { TITLE: '${secret} --evil; rm -rf /', secret: 's' });
    expect(argv).toEqual(['app', '--title', '${secret} --evil; rm -rf /']);
  });
});

describe('sessionEnv', () => {
  it("puts Sessionplane's own variables last, so neither app env nor params can override them", () => {
    const env = sessionEnv({
      port: 9001,
      sessionId: 'id',
      secret: 'sec',
      basePath: '/s/id/',
      appEnv: { PORT: '1', A: 'app' },
      params: { A: 'user', SESSION_ID: 'x', USER: 'root' },
      owner: 'alice@example.org',
    });
    expect(env).toEqual({
      A: 'user',
      PORT: '9001',
      SESSION_ID: 'id',
      SESSION_SECRET: 'sec',
      SESSION_BASE_PATH: '/s/id/',
      SESSION_USER: 'alice@example.org',
      JPY_USER: 'alice@example.org',
      USER: 'alice',
      URL_ID: 'id',
      JPY_BASE_USER_URL: '/s/id/',
    });
  });

  it("says whom the session runs for as SimPhoNy-Remote's apps and the trame image read it, with the home's path for a home app", () => {
    const env = sessionEnv({
      port: 1,
      sessionId: 'id',
      secret: 's',
      basePath: '/s/id/',
      appEnv: {},
      params: {},
      owner: '42-Bob.Smith@x.org',
      homePath: '/home/user',
    });
    expect(env).toMatchObject({
      SESSION_USER: '42-Bob.Smith@x.org',
      JPY_USER: '42-Bob.Smith@x.org',
      USER: 'u42-bob_smith',
      TRAME_USER_DATA: '/home/user',
    });
  });

  it("tells the app its resources as JupyterHub's spawners do: CPU_LIMIT in vCPUs, MEM_LIMIT in bytes, not overridable", () => {
    const env = sessionEnv({
      port: 1,
      sessionId: 'id',
      secret: 's',
      basePath: '/',
      appEnv: {},
      params: { MEM_LIMIT: '1' },
      resources: { cpu: 0.5, memory: 2048, gpus: 0 },
      owner: 'alice',
    });
    expect(env).toMatchObject({ CPU_LIMIT: '0.5', MEM_LIMIT: String(2048 * 1024 * 1024) });
  });
});
