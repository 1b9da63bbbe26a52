import type { ChildProcess } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { DynamoDbSessionStore } from '../../shared/adapters/dynamodb/dynamodb-session-store';
import type { EmbeddedDynamoDb } from '../../shared/adapters/dynamodb/embedded-dynamodb';
import { hashToken, newToken } from '../../shared/domain/ids';
import { spawnRouter } from '../support/router-process';
import { makeSession } from '../support/sessions';
import { embeddedTable } from '../support/table';

const opened = (url: string) =>
  new Promise<WebSocket>((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
const echoed = (ws: WebSocket, text: string) =>
  new Promise<string>((resolve) => {
    ws.once('message', (data) => resolve(String(data)));
    ws.send(text);
  });

/**
 * #40: the router service runs several tasks behind the load balancer, each holding no state of its own (a session's
 * address is in the table). When one is lost, its sockets close; their clients connect again, through another task,
 * to the same session, which never noticed.
 */
describe('a router task lost (the router service, two tasks)', () => {
  let db: EmbeddedDynamoDb;
  let app: WebSocketServer;
  let store: DynamoDbSessionStore;
  const routers: { child: ChildProcess; base: string; exited: Promise<number | null> }[] = [];

  beforeAll(async () => {
    const table = await embeddedTable();
    db = table.db;
    store = new DynamoDbSessionStore(table.client, 'sessions');
    app = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    app.on('connection', (ws) => ws.on('message', (data) => ws.send(`echo:${String(data)}`)));
    for (let i = 0; i < 2; i++) routers.push(await spawnRouter(db.endpoint, { SESSIONPLANE_LOG_LEVEL: 'warn' }));
  });
  afterAll(async () => {
    for (const r of routers) r.child.kill('SIGKILL');
    await new Promise((r) => app?.close(r));
    await db?.close();
  });

  it("closes the lost task's sockets; their clients reconnect through the other, to the same session, still READY", async () => {
    const token = newToken();
    const endpoint = `127.0.0.1:${(app.address() as AddressInfo).port}`;
    const session = makeSession({
      status: 'READY',
      tokenHash: hashToken(token),
      runtime: { kind: 'ecs', runtimeId: 'task-1', endpoint },
    });
    await store.create(session);
    const url = (base: string) => `${base.replace('http', 'ws')}/proxy?sessionId=${session.id}&path=ws&token=${token}`;
    const [a, b] = routers as [(typeof routers)[0], (typeof routers)[0]];
    const clients = await Promise.all(Array.from({ length: 5 }, () => opened(url(a.base))));
    expect(await echoed(clients[0]!, 'before')).toBe('echo:before');
    const closed = clients.map((ws) => new Promise<number>((resolve) => ws.once('close', (code) => resolve(code))));

    a.child.kill('SIGKILL'); // the task is gone at once: no drain, no goodbye
    expect(await a.exited).toBeNull();
    const codes = await Promise.all(closed);
    // An abrupt end: 1006 (no close frame); a client that connects again (by itself, or a reloaded page) gets the session.
    expect(new Set(codes)).toEqual(new Set([1006]));

    const again = await Promise.all(clients.map(() => opened(url(b.base))));
    for (const [i, ws] of again.entries()) expect(await echoed(ws, `after ${i}`)).toBe(`echo:after ${i}`);
    // The session never noticed: same record, same status, same version.
    expect(await store.get(session.id)).toMatchObject({ status: 'READY', version: session.version });
    for (const ws of again) ws.close();
  });
});
