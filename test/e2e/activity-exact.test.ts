import { connect } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type WebSocket from 'ws';
import type { LocalServer } from '../../functions/local/http-server';
import { fixtureApp } from '../support/apps';
import { startTestPlane, type TestPlane } from '../support/plane';
import { waitFor } from '../support/wait';
import { openWs, roundTrip } from '../support/ws';

const echoWs = fixtureApp([], {
  command: [process.execPath, join('examples', 'apps', 'echo-ws.mjs'), '--host', '${host}', '--port', '${port}'],
  ready: { kind: 'line', line: 'App running at' },
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A raw upgrade request, and the socket destroyed `afterMs` after it is written (-1: after the reply's first bytes). */
function upgradeAndDrop(url: string, afterMs: number): Promise<void> {
  const u = new URL(url);
  return new Promise((resolve) => {
    const socket = connect(Number(u.port), u.hostname, () => {
      socket.write(
        `GET ${u.pathname}${u.search} HTTP/1.1\r\nHost: ${u.host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
      );
      if (afterMs >= 0) setTimeout(() => socket.destroy(), afterMs);
      else socket.once('data', () => socket.destroy());
    });
    socket.on('error', () => undefined);
    socket.on('close', () => resolve());
  });
}

/**
 * #11 M5: after the last socket of a session closes, however and whenever it closes, the session
 * stops counting as active. Before the fix, a socket that closed while the router was still
 * checking its token was kept as open for ever, and lastActivityAt kept moving.
 */
describe('activity is exact: no closed socket counts', () => {
  let plane: TestPlane;
  let server: LocalServer;
  beforeAll(async () => {
    plane = await startTestPlane(
      { echo: echoWs },
      { SESSIONPLANE_ACTIVITY_INTERVAL: '200ms', SESSIONPLANE_LOOKUP_CACHE: '0ms' },
    );
    server = await plane.listen();
  });
  afterAll(async () => plane?.dispose());

  it('stops moving lastActivityAt after the last close, whatever the order of opens and closes', async () => {
    const res = await fetch(`${server.url}/sessions`, {
      method: 'POST',
      body: '{"app":"echo"}',
      headers: { 'x-test-user': 'alice' },
    });
    const s = (await res.json()) as { id: string; sessionURL: string };
    await waitFor(async () => (await plane.deps.store.get(s.id))?.status === 'READY', 10_000, 'READY');

    // Closed before, during and after the router's token check, and as soon as the upgrade answered.
    const drops = [0, 0, 1, 2, 3, 5, 8, 13, -1, -1].flatMap((ms) => [ms, ms]);
    const opened: WebSocket[] = [];
    for (let i = 0; i < 6; i++) opened.push(await openWs(s.sessionURL));
    await Promise.all([
      ...drops.map((ms) => upgradeAndDrop(s.sessionURL, ms)),
      // Open ones: a clean close, a close mid-message, a terminate (no close frame), in mixed order.
      (async () => {
        expect((await roundTrip(opened[0]!, 'a')).toString()).toBe('a');
        opened[0]!.close(1000);
        opened[3]!.terminate();
        opened[1]!.send('x'.repeat(100_000));
        opened[1]!.close(1000);
        await sleep(20);
        opened[5]!.terminate();
        opened[2]!.close(1000);
        opened[4]!.close(1000);
      })(),
    ]);
    await waitFor(() => opened.every((ws) => ws.readyState === ws.CLOSED), 5000, 'every socket closed');

    await sleep(600); // three activity intervals: whatever was pending is written
    const settled = (await plane.deps.store.get(s.id))!.lastActivityAt;
    await sleep(1000); // five more: nothing may move it now
    expect((await plane.deps.store.get(s.id))!.lastActivityAt).toBe(settled);
  });

  const launchEcho = async () => {
    const res = await fetch(`${server.url}/sessions`, {
      method: 'POST',
      body: '{"app":"echo"}',
      headers: { 'x-test-user': 'alice' },
    });
    const s = (await res.json()) as { id: string; sessionURL: string };
    await waitFor(async () => (await plane.deps.store.get(s.id))?.status === 'READY', 10_000, 'READY');
    const pid = Number((await plane.deps.store.get(s.id))!.runtime!.runtimeId.split(':')[2]);
    return { ...s, pid };
  };

  it('ends a client socket that lingers after the app closed its side, so it stops counting', async () => {
    const s = await launchEcho();
    // A client that completes the upgrade, then never answers the close nor ends its side.
    const u = new URL(s.sessionURL);
    const raw = connect(Number(u.port), u.hostname);
    raw.on('error', () => undefined);
    const ended = new Promise<void>((resolve) => raw.once('close', () => resolve()));
    let reply = '';
    raw.on('data', (d: Buffer) => (reply += d.toString('latin1')));
    raw.write(
      `GET ${u.pathname}${u.search} HTTP/1.1\r\nHost: ${u.host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
    );
    await waitFor(() => reply.startsWith('HTTP/1.1 101'), 5000, 'upgraded');
    process.kill(s.pid, 'SIGTERM'); // the app says 1001 to its clients and exits
    await sleep(300); // the app's close frame has passed: the socket no longer counts
    const t0 = Date.now();
    await ended; // and the router cuts it within its 5 s linger, rather than keeping it
    // Cut by the router (its linger is 5 s), not kept open: ample for a loaded machine.
    expect(Date.now() - t0).toBeLessThan(20_000);
    await sleep(600);
    const settled = (await plane.deps.store.get(s.id))?.lastActivityAt;
    await sleep(800);
    expect((await plane.deps.store.get(s.id))?.lastActivityAt).toBe(settled);
  });

  it('gives clients a close frame, not a bare 1006, when the app dies (#11 m7)', async () => {
    const s = await launchEcho();
    const ws = await openWs(s.sessionURL);
    const closed = new Promise<{ code: number; reason: string }>((resolve) =>
      ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })),
    );
    process.kill(s.pid, 'SIGKILL');
    const { code, reason } = await closed;
    expect([1011, 1001]).toContain(code);
    expect(reason).not.toBe('');
  });
});
