import { readFileSync, rmSync, statSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startServer, type ServerProcess } from '../support/server';
import { pidAlive, waitFor, waitForText } from '../support/wait';

async function launchEcho(server: ServerProcess): Promise<{ id: string }> {
  const res = await server.api(`/sessions`, { method: 'POST', body: JSON.stringify({ app: 'echo' }) });
  expect(res.status).toBe(202);
  return (await res.json()) as { id: string };
}

async function statusOf(server: ServerProcess, id: string): Promise<{ status: string; statusReason?: string }> {
  return (await (await server.api(`/sessions/${id}`)).json()) as { status: string; statusReason?: string };
}

function pidOf(server: ServerProcess, id: string): number {
  return (JSON.parse(readFileSync(join(server.dataDir, 'run', `${id}.json`), 'utf8')) as { pid: number }).pid;
}

function echoOnce(port: number, message: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`);
    ws.once('open', () => ws.send(message));
    ws.once('message', (data) => {
      resolve(data.toString());
      ws.close();
    });
    ws.once('error', reject);
  });
}

describe('npm start (the local server as a real process)', () => {
  let server: ServerProcess;
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(async () => {
    await server?.stop();
    rmSync(server.dataDir, { recursive: true, force: true });
  });

  it('prints where it listens, the admin token, and a curl line to launch', () => {
    expect(server.output()).toContain(`Sessionplane is listening on ${server.base}`);
    expect(server.output()).toContain(`  export SESSIONPLANE_URL=${server.base}\n`);
    expect(server.output()).toContain(`  export SESSIONPLANE_TOKEN=${server.adminToken}\n`);
    expect(server.output()).toContain(
      `curl -s -H "Authorization: Bearer $SESSIONPLANE_TOKEN" -X POST "$SESSIONPLANE_URL/sessions" -d '{"app":"echo"}'`,
    );
  });

  it('refuses the API without the token, with 401 problem+json', async () => {
    const res = await fetch(`${server.base}/sessions`);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer realm="sessionplane"');
    expect(await res.json()).toMatchObject({ code: 'auth.unauthenticated' });
  });

  it('keeps the admin token in a file only its owner can read, the same across restarts', () => {
    expect(statSync(join(server.dataDir, 'admin-token')).mode & 0o777).toBe(0o600);
    expect(server.adminToken).toMatch(/^[0-9a-f]{64}$/);
  });

  it('takes a request body the client abandons as a debug line, not an error with a stack (#11 m9)', async () => {
    const before = server.output().length;
    const u = new URL(server.base);
    await new Promise<void>((resolve) => {
      const s = connect(Number(u.port), u.hostname, () => {
        s.write(
          `POST /sessions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${server.adminToken}\r\nContent-Length: 1000\r\n\r\n{"app":`,
        );
        setTimeout(() => s.destroy(), 100);
      });
      s.on('close', () => resolve());
    });
    await new Promise((r) => setTimeout(r, 300));
    const lines = server
      .output()
      .slice(before)
      .split('\n')
      .filter((l) => l.startsWith('{'));
    expect(lines.filter((l) => (JSON.parse(l) as { level: number }).level >= 50)).toEqual([]);
  });

  it('launches the echo app, which becomes READY and answers on its port; DELETE ends its process', async () => {
    const { id } = await launchEcho(server);
    await waitFor(async () => (await statusOf(server, id)).status === 'READY', 15_000, 'READY');
    const port = Number(
      (await waitForText(join(server.dataDir, 'logs', `${id}.log`), /App running at http:\/\/127\.0\.0\.1:(\d+)/))[1],
    );
    expect(await echoOnce(port, 'hello sessionplane')).toBe('hello sessionplane');
    const pid = pidOf(server, id);
    expect(pidAlive(pid)).toBe(true);

    const res = await server.api(`/sessions/${id}`, { method: 'DELETE' });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'STOPPED', statusReason: 'user' });
    expect(pidAlive(pid)).toBe(false);
  });
});

describe('npm start: stopping and restarting', () => {
  it('stops every session on SIGTERM and exits 0', async () => {
    const server = await startServer();
    try {
      const { id } = await launchEcho(server);
      await waitFor(async () => (await statusOf(server, id)).status === 'READY', 15_000, 'READY');
      const pid = pidOf(server, id);
      expect(await server.stop('SIGTERM')).toBe(0);
      expect(pidAlive(pid)).toBe(false);
    } finally {
      rmSync(server.dataDir, { recursive: true, force: true });
    }
  });

  it('survives its logs and run folders being deleted: the next launch works, the server stays up, SIGTERM stops it (#11 C3, M4)', async () => {
    const server = await startServer();
    try {
      const before = await launchEcho(server);
      await waitFor(async () => (await statusOf(server, before.id)).status === 'READY', 15_000, 'READY');
      rmSync(join(server.dataDir, 'logs'), { recursive: true, force: true });
      rmSync(join(server.dataDir, 'run'), { recursive: true, force: true });
      const { id } = await launchEcho(server);
      await waitFor(
        async () => (await statusOf(server, id)).status === 'READY',
        15_000,
        'READY after the folders went',
      );
      expect(statSync(join(server.dataDir, 'logs', `${id}.log`)).isFile()).toBe(true);
      const pid = pidOf(server, id); // its pid record was written again
      // Exit 0 is the bound: past its own (grace + 10 s) the server exits 1.
      expect(await server.stop('SIGTERM')).toBe(0);
      expect(pidAlive(pid)).toBe(false);
      expect(server.output()).not.toContain('Unhandled');
      expect(server.output()).not.toContain(`${server.dataDir.replace(/\/$/, '')}/run`); // no server path in any reason
    } finally {
      await server.stop('SIGKILL');
      rmSync(server.dataDir, { recursive: true, force: true });
    }
  });

  it('after a crash, stops the children the last run left and marks their sessions STOPPED', async () => {
    const first = await startServer();
    const { id } = await launchEcho(first);
    await waitFor(async () => (await statusOf(first, id)).status === 'READY', 15_000, 'READY');
    const pid = pidOf(first, id);
    await first.stop('SIGKILL'); // no chance to clean up
    expect(pidAlive(pid)).toBe(true);

    const second = await startServer({}, first.dataDir);
    expect(second.adminToken).toBe(first.adminToken);
    try {
      expect(pidAlive(pid)).toBe(false);
      expect(await statusOf(second, id)).toMatchObject({ status: 'STOPPED', statusReason: 'lost' });
    } finally {
      await second.stop();
      rmSync(second.dataDir, { recursive: true, force: true });
    }
  });
});
