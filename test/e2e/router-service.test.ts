import type { ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { createDocumentClient } from '../../shared/adapters/dynamodb/dynamodb-client';
import { DynamoDbSessionStore } from '../../shared/adapters/dynamodb/dynamodb-session-store';
import { ensureSessionsTable } from '../../shared/adapters/dynamodb/dynamodb-table';
import { startEmbeddedDynamoDb, type EmbeddedDynamoDb } from '../../shared/adapters/dynamodb/embedded-dynamodb';
import { hashToken, newToken } from '../../shared/domain/ids';
import { spawnRouter } from '../support/router-process';
import { makeSession } from '../support/sessions';
import { closeCode, openWs, roundTrip } from '../support/ws';

describe('functions/aws/router-service.ts: the router as its own service', () => {
  let db: EmbeddedDynamoDb;
  let store: DynamoDbSessionStore;
  let app: Server;
  let router: ChildProcess;
  let base: string;
  let exited: Promise<number | null>;
  const token = newToken();
  const session = makeSession({ status: 'READY', tokenHash: hashToken(token) });

  beforeAll(async () => {
    db = await startEmbeddedDynamoDb();
    const client = createDocumentClient({ endpoint: db.endpoint, region: 'local' });
    await ensureSessionsTable(client, 'sessions');
    store = new DynamoDbSessionStore(client, 'sessions');
    // The "task": an HTTP + WebSocket echo on a free port, recorded as the session's endpoint.
    app = createServer((req, res) => res.end(`app saw ${req.url}`));
    new WebSocketServer({ server: app }).on('connection', (ws) =>
      ws.on('message', (m, bin) => ws.send(m, { binary: bin })),
    );
    await new Promise<void>((r) => app.listen(0, '127.0.0.1', r));
    await store.create({
      ...session,
      runtime: { kind: 'ecs', runtimeId: 'task', endpoint: `127.0.0.1:${(app.address() as AddressInfo).port}` },
    });

    ({ child: router, base, exited } = await spawnRouter(db.endpoint));
  });
  afterAll(async () => {
    router?.kill('SIGKILL');
    app?.close();
    await db?.close();
  });

  it('proxies to the recorded endpoint with the token, and refuses without it', async () => {
    const ok = await fetch(`${base}/s/${session.id}/hello?token=${token}`);
    expect(await ok.text()).toBe('app saw /hello');
    expect((await fetch(`${base}/s/${session.id}/hello`)).status).toBe(403);
    expect((await fetch(`${base}/sessions`)).status).toBe(404);
  });

  it("admits a share made in another process (the API's) at once, though the owner's request cached the record", async () => {
    expect((await fetch(`${base}/s/${session.id}/mine?token=${token}`)).status).toBe(200);
    const theirs = newToken();
    const current = (await store.get(session.id))!;
    await store.transition(current, {
      ...current,
      shares: [
        { id: 'c0c0c0c0c0c0c0c0', user: 'bob', tokenHash: hashToken(theirs), by: 'alice', createdAt: Date.now() },
      ],
      version: current.version + 1,
    });
    const shared = await fetch(`${base}/s/${session.id}/theirs?token=${theirs}`);
    expect(shared.status).toBe(200);
    expect(await shared.text()).toBe('app saw /theirs');
    expect((await fetch(`${base}/s/${session.id}/x?token=${newToken()}`)).status).toBe(403);
  });

  it('sets a Secure cookie behind https', async () => {
    const { request } = await import('node:http');
    const cookie = await new Promise<string>((resolve) =>
      request(`${base}/s/${session.id}/?token=${token}`, { headers: { 'sec-fetch-mode': 'navigate' } }, (res) => {
        res.resume();
        resolve(String(res.headers['set-cookie']));
      }).end(),
    );
    expect(cookie).toContain('; Secure');
  });

  it('on SIGTERM reports draining, closes sockets with 1001 and exits 0', async () => {
    const ws = await openWs(`${base.replace('http', 'ws')}/proxy?sessionId=${session.id}&path=ws&token=${token}`);
    expect((await roundTrip(ws, 'ping')).toString()).toBe('ping');
    const closed = closeCode(ws);
    router.kill('SIGTERM');
    expect((await closed).code).toBe(1001);
    expect(await exited).toBe(0);
  });
});
