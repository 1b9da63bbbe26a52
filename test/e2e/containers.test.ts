import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type Docker from 'dockerode';
import { afterAll, describe, expect, it } from 'vitest';
import { CONTAINER_LABELS } from '../../shared/adapters/runtime/container/container-spec';
import { containersLabelled, TEST_IMAGE, testEngine } from '../support/container-engine';
import { startServer, type ServerProcess } from '../support/server';
import { waitFor } from '../support/wait';
import { openWs, roundTrip } from '../support/ws';

const engine = await testEngine();

const APPS = `
echo:
  description: The demo echo server, as a container
  image: ${TEST_IMAGE}
  cmd: [node, /app/echo-ws.mjs, --host, "\${host}", --port, "\${port}"]
  ready_line: App running at
  resources: { cpu: 0.25, memory: 128Mi }
slow:
  description: The fixture app, listening after 1.5 s
  image: ${TEST_IMAGE}
  cmd: [node, /app/fixture-app.mjs, --host, "\${host}", --port, "\${port}", --delay, "1500"]
  ready: { tcp: true }
  resources: { cpu: 0.25, memory: 128Mi }
`;

/** The label a data directory's server puts on its containers (functions/local/runtimes.ts). */
const planeOf = (dataDir: string) =>
  `${CONTAINER_LABELS.plane}=${createHash('sha256').update(resolve(dataDir)).digest('hex').slice(0, 16)}`;

describe.skipIf('reason' in engine)(
  `container sessions through npm start${'reason' in engine ? ` (${engine.reason})` : ''}`,
  () => {
    const { docker, address } = engine as { docker: Docker; address: string };
    const dirs: string[] = [];
    const servers: ServerProcess[] = [];
    const start = async (dataDir?: string, apps = APPS) => {
      const dir = mkdtempSync(join(tmpdir(), 'sp-ctr-apps-'));
      dirs.push(dir);
      writeFileSync(join(dir, 'apps.yml'), apps);
      const server = await startServer(
        {
          SESSIONPLANE_APPS: join(dir, 'apps.yml'),
          SESSIONPLANE_CONTAINER_HOST: address,
          SESSIONPLANE_POOL_INTERVAL: '300ms',
        },
        dataDir,
      );
      servers.push(server);
      dirs.push(server.dataDir);
      return server;
    };
    afterAll(async () => {
      for (const server of servers) await server.stop('SIGTERM');
      for (const dir of new Set(dirs)) {
        for (const c of await containersLabelled(docker, planeOf(dir)))
          await docker.getContainer(c.Id).remove({ force: true });
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('launches the echo app as a container through the API, echoes through the router, and stops it: no container remains', async () => {
      const server = await start();
      expect(server.output()).toContain(`Containers: ${address}`);
      const res = await server.api('/sessions', { method: 'POST', body: JSON.stringify({ app: 'echo' }) });
      expect(res.status).toBe(202);
      const s = (await res.json()) as { id: string; sessionURL: string };
      const ready = await waitFor(async () => {
        const body = (await (await server.api(`/sessions/${s.id}`)).json()) as {
          status: string;
          runtime?: { kind: string };
        };
        return body.status === 'READY' ? body : undefined;
      }, 20_000);
      expect(await containersLabelled(docker, `${CONTAINER_LABELS.session}=${s.id}`)).toHaveLength(1);
      const ws = await openWs(s.sessionURL);
      expect((await roundTrip(ws, 'hello from a container')).toString()).toBe('hello from a container');
      ws.close();
      expect(ready.status).toBe('READY');
      expect((await server.api(`/sessions/${s.id}`, { method: 'DELETE' })).status).toBeLessThan(300);
      await waitFor(
        async () => ((await (await server.api(`/sessions/${s.id}`)).json()) as { status: string }).status === 'STOPPED',
        10_000,
      );
      expect(await containersLabelled(docker, `${CONTAINER_LABELS.session}=${s.id}`)).toEqual([]);
      const logs = await (await server.api(`/sessions/${s.id}/logs`)).text();
      expect(logs).toContain('App running at http://0.0.0.0:8080/');
    });

    it.each([
      ['300 ms after the launches (most not yet recorded)', 'early'],
      ['once one session is READY', 'ready'],
    ])(
      'kill -9 of the server during 5 launches, %s, then a restart: no container is left that no live session owns',
      async (_when, when) => {
        const first = await start();
        const launches = Array.from({ length: 5 }, (_, i) =>
          first
            .api('/sessions', { method: 'POST', body: JSON.stringify({ app: i % 2 ? 'slow' : 'echo' }) })
            .then(async (r) => ((await r.json()) as { id?: string }).id)
            .catch(() => undefined),
        );
        if (when === 'early') await new Promise((r) => setTimeout(r, 300));
        else
          await waitFor(async () => {
            const { sessions } = (await (await first.api('/sessions')).json()) as { sessions: { status: string }[] };
            return sessions.some((s) => s.status === 'READY');
          }, 20_000);
        await first.stop('SIGKILL');
        await Promise.all(launches);
        const leftBehind = await containersLabelled(docker, planeOf(first.dataDir));
        const second = await start(first.dataDir);
        // Once the restarted server settles, every container of this data directory belongs to a live session, and every live session has one.
        let statuses: string[] = [];
        const live = await waitFor(async () => {
          const { sessions } = (await (await second.api('/sessions')).json()) as {
            sessions: { id: string; status: string }[];
          };
          statuses = sessions.map((s) => s.status);
          return sessions.some((s) => s.status === 'PENDING' || s.status === 'STARTING')
            ? undefined
            : sessions.filter((s) => s.status === 'READY');
        }, 30_000);
        const containers = await containersLabelled(docker, planeOf(first.dataDir));
        const owners = containers.map((c) => c.Labels[CONTAINER_LABELS.session]).sort();
        console.log(
          `kill -9 ${when} during 5 launches: ${leftBehind.length} containers left by the killed server, ${live.length} sessions live after the restart (${statuses.join(', ')}), ${containers.length} containers`,
        );
        if (when === 'ready') expect(live.length).toBeGreaterThan(0);
        expect(owners).toEqual(live.map((s) => s.id).sort());
        for (const c of containers) expect(c.State).toBe('running');
      },
    );

    it('a warm pool of containers outlives a crash of the server: the restarted one takes its ready containers back and hands them out', async () => {
      const apps = `${APPS}pooled:\n  image: ${TEST_IMAGE}\n  cmd: [node, /app/echo-ws.mjs, --host, "\${host}", --port, "\${port}"]\n  ready_line: App running at\n  resources: { cpu: 0.25, memory: 128Mi }\n  pool: { min: 2 }\n`;
      const pool = async (server: ServerProcess) =>
        ((await (await server.api('/pools')).json()) as { pools: { ready: number; starting: number }[] }).pools[0]!;
      const first = await start(undefined, apps);
      await waitFor(async () => (await pool(first)).ready === 2, 30_000, 'two pooled containers ready');
      const before = (await containersLabelled(docker, planeOf(first.dataDir))).map((c) => c.Id).sort();
      expect(before).toHaveLength(2);
      await first.stop('SIGKILL');

      const second = await start(first.dataDir, apps);
      await waitFor(async () => (await pool(second)).ready === 2, 30_000, 'the pool rebuilt');
      // The same two containers, taken back: none stopped, none started.
      expect((await containersLabelled(docker, planeOf(first.dataDir))).map((c) => c.Id).sort()).toEqual(before);
      const launched = (await (await second.api('/sessions', { method: 'POST', body: '{"app":"pooled"}' })).json()) as {
        id: string;
        pooled: boolean;
        status: string;
        sessionURL: string;
      };
      expect(launched).toMatchObject({ pooled: true, status: 'READY' });
      expect(await containersLabelled(docker, `${CONTAINER_LABELS.session}=${launched.id}`)).toHaveLength(1);
      const ws = await openWs(launched.sessionURL);
      expect((await roundTrip(ws, 'pooled container')).toString()).toBe('pooled container');
      ws.close();
    });
  },
);
