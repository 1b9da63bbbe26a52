import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/dynamodb-local';
import { startServer, type ServerProcess } from '../support/server';

/** Runs `npm run smoke`'s script as the infra team would, against `npm start`'s server (the same API). */
function smoke(args: string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['scripts/smoke.mjs', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.once('exit', (code) => resolve({ code, out }));
  });
}

describe('the smoke test (npm run smoke) against npm start', () => {
  let server: ServerProcess;
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(async () => {
    await server.stop();
    rmSync(server.dataDir, { recursive: true, force: true });
  });

  it('lists apps, launches each, follows each to READY, opens each through the router, stops it, and times each step', async () => {
    const { code, out } = await smoke(['--api', server.base, '--token', server.adminToken]);
    expect(out, out).toMatch(/^ok {3}list apps +\d+\.\d+ s {2}4 offered: echo, hello, wslink, reduce$/m);
    for (const app of ['echo', 'hello', 'wslink', 'reduce'])
      expect(out).toMatch(new RegExp(`^ok {3}${app}: launch +\\d+\\.\\d+ s {2}session [0-9a-f]{32}`, 'm'));
    // The batch job runs to its end: COMPLETED, exit 0, its five items and more in its output.
    expect(out).toMatch(/^ok {3}reduce: completed +\d+\.\d+ s {2}exit code 0, 7 lines of output$/m);
    for (const app of ['echo', 'hello', 'wslink']) {
      expect(out).toMatch(new RegExp(`^ok {3}${app}: ready +\\d+\\.\\d+ s$`, 'm'));
      expect(out).toMatch(new RegExp(`^ok {3}${app}: stop +\\d+\\.\\d+ s$`, 'm'));
    }
    // The echo app echoes; the HTTP app answers its page.
    expect(out).toMatch(/^ok {3}echo: open through the router +\d+\.\d+ s {2}page \d{3}, WebSocket echoed$/m);
    expect(out).toMatch(/^ok {3}hello: open through the router +\d+\.\d+ s {2}page 200, /m);
    expect(out).toMatch(/smoke test passed in \d+\.\d+ s \(4 apps\)/);
    expect(code).toBe(0);
    const { sessions } = (await (await server.api('/sessions')).json()) as { sessions: { status: string }[] };
    // Nothing left running: the apps stopped, the job ended by itself.
    expect(sessions.every((s) => ['STOPPED', 'STOPPING', 'COMPLETED'].includes(s.status))).toBe(true);
  });

  it.each([
    ['a wrong token', ['--token', 'not-the-token'], /FAIL GET \/apps: 401/],
    ['an app that is not offered', ['--app', 'nosuch'], /FAIL app nosuch is not offered here \(offered: .*echo/],
  ])('exits 1 with a clear message for %s', async (_what, extra, message) => {
    const args = ['--api', server.base, '--token', server.adminToken, ...extra];
    const { code, out } = await smoke(args);
    expect(code).toBe(1);
    expect(out).toMatch(message);
  });

  it('exits 1 naming the address when the API cannot be reached', async () => {
    const port = await freePort(); // free: nothing listens there
    const { code, out } = await smoke(['--api', `http://127.0.0.1:${port}`, '--token', 'x']);
    expect(code).toBe(1);
    expect(out).toContain(`FAIL GET /apps: cannot reach http://127.0.0.1:${port} (ECONNREFUSED)`);
  });
});
