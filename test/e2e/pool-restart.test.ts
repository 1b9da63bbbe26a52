import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { processesOf } from '../support/procs';
import { startServer, type ServerProcess } from '../support/server';
import { pidAlive, waitFor } from '../support/wait';

describe('a warm pool across a crash of npm start', () => {
  const appsDir = mkdtempSync(join(tmpdir(), 'sp-pool-apps-'));
  const servers: ServerProcess[] = [];
  afterAll(async () => {
    for (const s of servers) await s.stop('SIGKILL').catch(() => undefined);
    const dataDir = servers[0]?.dataDir;
    if (dataDir) {
      for (const pids of processesOf(dataDir).values()) for (const pid of pids) process.kill(pid, 'SIGKILL');
      rmSync(dataDir, { recursive: true, force: true });
    }
    rmSync(appsDir, { recursive: true, force: true });
  });

  const env = () => {
    writeFileSync(
      join(appsDir, 'apps.yml'),
      `echo:
  cmd: [node, echo-ws.mjs, --host, "\${host}", --port, "\${port}"]
  cwd: ${resolve('examples/apps')}
  ready_line: App running at
  pool: { min: 2 }
`,
    );
    return {
      SESSIONPLANE_APPS: join(appsDir, 'apps.yml'),
      SESSIONPLANE_POOL_INTERVAL: '200ms',
      SESSIONPLANE_MAX_SESSIONS_PER_USER: '100',
    };
  };
  const pool = async (server: ServerProcess) =>
    (
      (await (await server.api('/pools')).json()) as {
        pools: { app: string; ready: number; starting: number; claimed: number }[];
      }
    ).pools[0]!;
  const twoReady = (server: ServerProcess) =>
    waitFor(
      async () => {
        const p = await pool(server);
        return p.ready === 2 && p.starting === 0;
      },
      20_000,
      'two ready in the pool',
    );
  const launch = async (server: ServerProcess) =>
    (await (await server.api('/sessions', { method: 'POST', body: '{"app":"echo"}' })).json()) as {
      id: string;
      pooled: boolean;
      status: string;
    };

  it('rebuilds the pool from the table and what is running: what the crash left is stopped, fresh instances made, no orphan, no double claim', async () => {
    const first = await startServer(env());
    servers.push(first);
    await twoReady(first);
    const claimed = await launch(first);
    expect(claimed).toMatchObject({ pooled: true, status: 'READY' });
    await twoReady(first);
    const before = processesOf(first.dataDir);
    expect(before.size).toBe(3); // the claimed session and two ready ones
    await first.stop('SIGKILL'); // no chance to clean up
    for (const pids of before.values()) for (const pid of pids) expect(pidAlive(pid)).toBe(true);

    const second = await startServer(env(), first.dataDir);
    servers.push(second);
    // What the crash left is stopped (its pipes went with the server); the session it had ends as lost.
    for (const pids of before.values()) for (const pid of pids) expect(pidAlive(pid)).toBe(false);
    expect(await (await second.api(`/sessions/${claimed.id}`)).json()).toMatchObject({
      status: 'STOPPED',
      statusReason: 'lost',
    });
    await twoReady(second);
    const after = processesOf(second.dataDir);
    expect(after.size).toBe(2);
    for (const id of after.keys()) expect(before.has(id)).toBe(false);

    // Four launches at once: exactly the two fresh instances are claimed, each once, and none of the old.
    const launches = await Promise.all([1, 2, 3, 4].map(() => launch(second)));
    const pooled = launches.filter((l) => l.pooled).map((l) => l.id);
    expect(pooled.sort()).toEqual([...after.keys()].sort());
    expect(new Set(launches.map((l) => l.id)).size).toBe(4);
    // No process of the data directory that is neither a live session nor a pool instance.
    await twoReady(second);
    const live = new Set(launches.map((l) => l.id));
    const poolIds = [...processesOf(second.dataDir).keys()].filter((id) => !live.has(id));
    expect(poolIds).toHaveLength(2);
    expect((await pool(second)).claimed).toBe(0);
  });
});
