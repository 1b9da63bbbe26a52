import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MARKER, runTag } from '../../shared/adapters/runtime/local-process/local-process-runtime';
import { markedProcesses } from '../../shared/adapters/runtime/local-process/process-group';
import { HELPER_NAME } from '../../shared/adapters/runtime/local-process/spawner';
import { freePort } from '../support/dynamodb-local';
import { testPortRange } from '../support/ports';
import { descendants, processMemory } from '../support/procs';
import { pidAlive, waitFor } from '../support/wait';

/**
 * #11/#12: what systemd, a container engine or a supervisor does: signal the process that
 * `npm start` started. The server must get it, stop every session, and leave nothing behind.
 */
describe('npm start, signalled as a supervisor would', () => {
  it.each(['SIGTERM', 'SIGINT'] as const)(
    '%s to npm stops the server and every session, and exits 0',
    async (signal) => {
      const dataDir = mkdtempSync(join(tmpdir(), 'sp-npm-'));
      const port = await freePort();
      const [lo, hi] = testPortRange();
      const npm = spawn('npm', ['start', '--silent'], {
        env: {
          ...process.env,
          PORT: String(port),
          SESSIONPLANE_DATA_DIR: dataDir,
          SESSIONPLANE_PORT_RANGE: `${lo}-${hi}`,
          SESSIONPLANE_STOP_GRACE: '2s',
          SESSIONPLANE_SESSION_DOMAIN: 'none',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      npm.stdout!.on('data', (d: Buffer) => (out += d.toString()));
      npm.stderr!.on('data', (d: Buffer) => (out += d.toString()));
      const exited = new Promise<number | null>((resolve) => npm.once('exit', (code) => resolve(code)));
      try {
        await waitFor(() => out.includes('Sessionplane is listening on'), 30_000, `npm start listening:\n${out}`);
        const token = readFileSync(join(dataDir, 'admin-token'), 'utf8').trim();
        const res = await fetch(`http://127.0.0.1:${port}/sessions`, {
          method: 'POST',
          body: '{"app":"echo"}',
          headers: { authorization: `Bearer ${token}` },
        });
        const { id } = (await res.json()) as { id: string };
        await waitFor(
          async () =>
            (
              (await (
                await fetch(`http://127.0.0.1:${port}/sessions/${id}`, {
                  headers: { authorization: `Bearer ${token}` },
                })
              ).json()) as { status: string }
            ).status === 'READY',
          15_000,
          'READY',
        );
        const tree = descendants(npm.pid!);
        const sessions = markedProcesses(MARKER, `${runTag(join(dataDir, 'run'))}/`).map((p) => p.pid);
        expect(sessions.length).toBeGreaterThan(0);
        // Between npm and the sessions: the server itself, no shell or loader wrapper (#13), and its process helper
        // (#39: it starts the sessions, so the server is never forked).
        const wrappers = tree.filter((pid) => !sessions.includes(pid));
        expect(wrappers.map((pid) => processMemory(pid)?.name)).toEqual(['node', 'node']);
        const commands = wrappers.map((pid) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0'));
        expect(commands[0]).toContain('.build/local.mjs');
        // glibc's allocator with a fixed mmap threshold: big transient blocks go back to the system when freed, so
        // the server's RSS stays put (#39: it grew ~10 % over a soak with the allocator's moving threshold).
        const environ = readFileSync(`/proc/${wrappers[0]}/environ`, 'utf8').split('\0');
        expect(environ).toContain('MALLOC_MMAP_THRESHOLD_=131072');
        expect(commands[1]?.at(-2)).toBe(HELPER_NAME);

        npm.kill(signal);
        expect(await exited).toBe(0);
        await waitFor(
          () => [...tree, ...sessions].every((pid) => !pidAlive(pid)),
          5000,
          'every process of the tree gone',
        );
        expect(markedProcesses(MARKER, `${runTag(join(dataDir, 'run'))}/`)).toEqual([]);
        expect(out).toContain(`"signal":"${signal}"`);
      } finally {
        if (npm.exitCode === null) npm.kill('SIGKILL');
        for (const p of markedProcesses(MARKER, `${runTag(join(dataDir, 'run'))}/`)) process.kill(p.pid, 'SIGKILL');
        rmSync(dataDir, { recursive: true, force: true });
      }
    },
    60_000,
  );
});
