import { describe, expect, it } from 'vitest';
import { renderArgv, sessionEnv } from '../../shared/domain';

describe('renderArgv', () => {
  it('fills known placeholders and leaves unknown ones, as safe_substitute does', () => {
    expect(renderArgv(['app', '--port', '${port}', '--x=${missing}'], { port: '9001' })).toEqual(['app', '--port', '9001', '--x=${missing}']);
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
      params: { A: 'user', SESSION_ID: 'x' },
    });
    expect(env).toEqual({ A: 'user', PORT: '9001', SESSION_ID: 'id', SESSION_SECRET: 'sec', SESSION_BASE_PATH: '/s/id/' });
  });
});
