import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type ServerProcess } from '../support/server';
import { waitFor } from '../support/wait';
import { closeCode, openWs } from '../support/ws';

describe('reaper on npm start', () => {
  let server: ServerProcess;
  let appsDir: string;
  const status = async (id: string) =>
    (await (await server.api(`/sessions/${id}`)).json()) as {
      status: string;
      statusReason?: string;
      lastActivityAt?: string;
    };
  const launch = async () =>
    (await (await server.api('/sessions', { method: 'POST', body: '{"app":"echo"}' })).json()) as {
      id: string;
      sessionURL: string;
    };

  beforeAll(async () => {
    appsDir = mkdtempSync(join(tmpdir(), 'sp-reaper-apps-'));
    writeFileSync(
      join(appsDir, 'apps.yml'),
      `echo:
  cmd: [node, echo-ws.mjs, --host, "\${host}", --port, "\${port}"]
  cwd: ${resolve('examples/apps')}
  ready_line: App running at
  idleTimeout: 1500ms
`,
    );
    server = await startServer({
      SESSIONPLANE_APPS: join(appsDir, 'apps.yml'),
      SESSIONPLANE_REAPER_INTERVAL: '250ms',
      SESSIONPLANE_ACTIVITY_INTERVAL: '300ms',
      SESSIONPLANE_LOOKUP_CACHE: '200ms',
    });
  });
  afterAll(async () => {
    await server?.stop();
    rmSync(server.dataDir, { recursive: true, force: true });
    rmSync(appsDir, { recursive: true, force: true });
  });

  it('stops a session nobody uses as idle, but not one with an open WebSocket that sends nothing', async () => {
    const idle = await launch();
    const watched = await launch();
    const ws = await openWs(watched.sessionURL); // held until READY, then open and silent
    const closed = closeCode(ws);
    await waitFor(async () => (await status(idle.id)).status === 'STOPPED', 10_000, 'idle session stopped');
    expect(await status(idle.id)).toMatchObject({ status: 'STOPPED', statusReason: 'idle' });
    await new Promise((r) => setTimeout(r, 2500)); // well past its idle timeout
    expect((await status(watched.id)).status).toBe('READY');

    ws.close(); // now nobody uses it
    await closed;
    await waitFor(async () => (await status(watched.id)).status === 'STOPPED', 10_000, 'now idle too');
    expect((await status(watched.id)).statusReason).toBe('idle');
  });
});
