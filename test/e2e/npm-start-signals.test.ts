import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MARKER, runTag } from '../../shared/adapters/runtime/local-process/local-process-runtime';
import { markedProcesses } from '../../shared/adapters/runtime/local-process/process-group';
import { freePort } from '../support/dynamodb-local';
import { testPortRange } from '../support/ports';
import { pidAlive, waitFor } from '../support/wait';

const FIXTURE = resolve('test/support/fixtures/fixture-app.mjs');

/**
 * #33: signals as people and supervisors send them: to the whole process group (a terminal's
 * Ctrl-C, systemd's stop, `docker stop` of a shell, `kill -- -PGID`), so npm and the server get one
 * each, and npm passes its own on. Every session stops and the exit is 0; a person's second Ctrl-C
 * (a new signal more than a second later) still forces an exit.
 */
describe('npm start, signalled as a group', () => {
  const start = async (appsYaml: string, extraEnv: Record<string, string> = {}) => {
    const dataDir = mkdtempSync(join(tmpdir(), 'sp-npm-group-'));
    const appsFile = join(dataDir, 'apps.yml');
    writeFileSync(appsFile, appsYaml);
    const port = await freePort();
    const [lo, hi] = testPortRange();
    // A process group of its own, as a terminal's job is.
    const npm = spawn('npm', ['start', '--silent'], {
      detached: true,
      env: {
        ...process.env,
        PORT: String(port),
        SESSIONPLANE_APPS: appsFile,
        SESSIONPLANE_DATA_DIR: dataDir,
        SESSIONPLANE_PORT_RANGE: `${lo}-${hi}`,
        SESSIONPLANE_SESSION_DOMAIN: 'none',
        SESSIONPLANE_MAX_SESSIONS_PER_USER: '10',
        ...extraEnv,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    npm.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    npm.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((r) => npm.once('exit', (code) => r(code)));
    await waitFor(() => out.includes('Sessionplane is listening on'), 60_000, `npm start listening:\n${out}`);
    const token = readFileSync(join(dataDir, 'admin-token'), 'utf8').trim();
    const api = (path: string, init: RequestInit = {}) =>
      fetch(`http://127.0.0.1:${port}${path}`, { ...init, headers: { authorization: `Bearer ${token}` } });
    const sessions = () => markedProcesses(MARKER, `${runTag(join(dataDir, 'run'))}/`).map((p) => p.pid);
    const launchReady = async (app: string, n: number) => {
      const ids: string[] = [];
      for (let i = 0; i < n; i++)
        ids.push(
          ((await (await api('/sessions', { method: 'POST', body: JSON.stringify({ app }) })).json()) as { id: string })
            .id,
        );
      for (const id of ids)
        await waitFor(
          async () => ((await (await api(`/sessions/${id}`)).json()) as { status: string }).status === 'READY',
          30_000,
          `${id} READY`,
        );
      return ids;
    };
    const cleanup = () => {
      if (npm.exitCode === null) npm.kill('SIGKILL');
      for (const p of markedProcesses(MARKER, `${runTag(join(dataDir, 'run'))}/`)) process.kill(p.pid, 'SIGKILL');
      rmSync(dataDir, { recursive: true, force: true });
    };
    return { npm, exited, out: () => out, launchReady, sessions, cleanup, dataDir };
  };
  const app = (name: string, extra = '') =>
    `${name}:\n  cmd: [${JSON.stringify(process.execPath)}, ${JSON.stringify(FIXTURE)}, --host, "\${host}", --port, "\${port}"${extra}]\n  ready: { tcp: true }\n  resources: { cpu: 0.1, memory: 64Mi }\n`;

  it.each(['SIGINT', 'SIGTERM'] as const)(
    '%s to the process group (Ctrl-C, systemd) with 5 live sessions: all stopped, no process left, exit 0',
    async (signal) => {
      const run = await start(app('echo'), { SESSIONPLANE_STOP_GRACE: '2s' });
      try {
        await run.launchReady('echo', 5);
        const pids = run.sessions();
        expect(pids).toHaveLength(5);
        process.kill(-run.npm.pid!, signal);
        expect(await run.exited, run.out()).toBe(0);
        await waitFor(() => pids.every((pid) => !pidAlive(pid)), 10_000, 'every session process gone');
        expect(run.sessions()).toEqual([]);
        expect(run.out()).not.toContain('a second signal');
      } finally {
        run.cleanup();
      }
    },
    120_000,
  );

  it('a second Ctrl-C more than a second later exits at once, without waiting out a stubborn session', async () => {
    // A session that ignores SIGTERM keeps the shutdown waiting for its grace (60 s here).
    const run = await start(app('stubborn', ', --ignore-term'), { SESSIONPLANE_STOP_GRACE: '60s' });
    try {
      await run.launchReady('stubborn', 1);
      process.kill(-run.npm.pid!, 'SIGINT');
      await waitFor(() => run.out().includes('shutting down'), 30_000, 'shutting down');
      await new Promise((r) => setTimeout(r, 1500));
      expect(run.npm.exitCode).toBeNull();
      process.kill(-run.npm.pid!, 'SIGINT');
      expect(await run.exited).not.toBe(0);
      expect(run.out()).toContain('a second signal');
    } finally {
      run.cleanup();
    }
  }, 120_000);
});
