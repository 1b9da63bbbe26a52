import { createServer, type IncomingMessage, type Server } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { createRouter, type SessionRouter } from '../../functions/router/router';
import { createDocumentClient } from '../../shared/adapters/dynamodb/dynamodb-client';
import { DynamoDbSessionStore } from '../../shared/adapters/dynamodb/dynamodb-session-store';
import { ensureSessionsTable } from '../../shared/adapters/dynamodb/dynamodb-table';
import { startEmbeddedDynamoDb, type EmbeddedDynamoDb } from '../../shared/adapters/dynamodb/embedded-dynamodb';
import { createLogger } from '../../shared/adapters/in-process/pino-logger';
import { hashToken, newToken } from '../../shared/domain/ids';
import { systemClock } from '../../shared/ports/clock';
import { AppCatalog } from '../../shared/services/catalog';
import { freePort } from '../support/dynamodb-local';
import { makeSession } from '../support/sessions';
import { openWs, roundTrip, upgradeStatus } from '../support/ws';

/** The WebSocket upgrade as the router carries it to the app (functions/router/ws-splice.ts). */
describe('router: WebSocket upgrades spliced to the app', () => {
  let db: EmbeddedDynamoDb;
  let store: DynamoDbSessionStore;
  let app: Server;
  let router: SessionRouter;
  let front: Server;
  let base: string;
  let appPort: number;
  const seen: IncomingMessage[] = [];

  /** A READY session whose endpoint is `endpoint`, and its sessionURL. */
  const sessionAt = async (endpoint: string) => {
    const token = newToken();
    const session = makeSession({
      status: 'READY',
      tokenHash: hashToken(token),
      runtime: { kind: 'test', runtimeId: 'x', endpoint },
    });
    await store.create(session);
    return { id: session.id, token, url: `${base}/proxy?sessionId=${session.id}&path=ws&token=${token}` };
  };

  beforeAll(async () => {
    db = await startEmbeddedDynamoDb();
    const client = createDocumentClient({ endpoint: db.endpoint, region: 'local' });
    await ensureSessionsTable(client, 'sessions');
    store = new DynamoDbSessionStore(client, 'sessions');
    // The app: a ws echo on /ws; refuses /refuse with 403 and a body; /sever drops the connection.
    app = createServer((_req, res) => res.end('http'));
    const wss = new WebSocketServer({ noServer: true });
    wss.on('connection', (ws) => ws.on('message', (m, binary) => ws.send(m, { binary })));
    app.on('upgrade', (req: IncomingMessage, socket: Socket, head) => {
      seen.push(req);
      if (req.url === '/refuse')
        socket.end('HTTP/1.1 403 Forbidden\r\ncontent-type: text/plain\r\ncontent-length: 11\r\n\r\nnot for you');
      else if (req.url === '/sever') socket.destroy();
      else wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
    });
    await new Promise<void>((r) => app.listen(0, '127.0.0.1', r));
    appPort = (app.address() as AddressInfo).port;

    router = createRouter({
      store,
      apps: new AppCatalog(new Map()),
      clock: systemClock,
      logger: createLogger('silent'),
      secureCookies: false,
      urls: { publicUrl: 'http://127.0.0.1' },
      lookupCacheMs: 1000,
      activityIntervalMs: 60_000,
    });
    front = createServer((req, res) => {
      if (!router.handleRequest(req, res)) res.writeHead(404).end();
    });
    front.on('upgrade', (req, socket, head) => {
      if (!router.handleUpgrade(req, socket, head)) socket.destroy();
    });
    await new Promise<void>((r) => front.listen(0, '127.0.0.1', r));
    base = `ws://127.0.0.1:${(front.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await router?.shutdown();
    front?.close();
    app?.close();
    await db?.close();
  });

  it('passes the handshake and every byte both ways, 4 MiB included', async () => {
    const s = await sessionAt(`127.0.0.1:${appPort}`);
    const ws = await openWs(s.url);
    expect((await roundTrip(ws, 'hello')).toString()).toBe('hello');
    const big = Buffer.alloc(4 * 1024 * 1024, 7);
    expect((await roundTrip(ws, big)).equals(big)).toBe(true);
    ws.close();
  });

  it('sends the app the scrubbed request: no token, no credential, no cookie of ours; X-Forwarded-* appended', async () => {
    const s = await sessionAt(`127.0.0.1:${appPort}`);
    seen.length = 0;
    const ws = await openWs(s.url, {
      authorization: 'Bearer secret-api-token',
      cookie: 'lang=en',
      'x-forwarded-for': '10.0.0.9',
    });
    ws.close();
    const req = seen[0]!;
    expect(req.url).toBe('/ws');
    expect(req.headers.authorization).toBeUndefined();
    expect(req.headers.cookie).toBe('lang=en');
    expect(req.headers['x-forwarded-for']).toBe('10.0.0.9,127.0.0.1');
    expect(req.headers['x-forwarded-proto']).toBe('ws');
    expect(req.headers['x-forwarded-port']).toBe(base.split(':').at(-1));
    expect(req.headers.upgrade).toBe('websocket');
    expect(JSON.stringify(req.headers)).not.toContain(s.token);
  });

  it("relays the app's own refusal of the upgrade, status and body, then closes", async () => {
    const s = await sessionAt(`127.0.0.1:${appPort}`);
    const raw = await rawUpgrade(s.url.replace('path=ws', 'path=refuse'));
    expect(raw).toMatch(/^HTTP\/1\.1 403 Forbidden\r\n/);
    expect(raw.endsWith('\r\n\r\nnot for you')).toBe(true);
  });

  it('answers 502 problem+json when the app is not listening or drops the connection', async () => {
    const gone = await sessionAt(`127.0.0.1:${await freePort()}`);
    expect(await upgradeStatus(gone.url)).toBe(502);
    const severed = await sessionAt(`127.0.0.1:${appPort}`);
    const raw = await rawUpgrade(severed.url.replace('path=ws', 'path=sever'));
    expect(raw).toMatch(/^HTTP\/1\.1 502 Bad Gateway\r\ncontent-type: application\/problem\+json/);
    expect(raw).toContain('"code":"session.unreachable"');
  });

  it('refuses the upgrade before reaching the app without a valid token', async () => {
    const s = await sessionAt(`127.0.0.1:${appPort}`);
    seen.length = 0;
    expect(await upgradeStatus(s.url.replace(s.token, newToken()))).toBe(403);
    expect(seen).toHaveLength(0);
  });
});

/** Sends a WebSocket upgrade by hand and returns everything the server wrote until it closed. */
function rawUpgrade(url: string): Promise<string> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(u.port), u.hostname, () =>
      socket.write(
        `GET ${u.pathname}${u.search} HTTP/1.1\r\nHost: ${u.host}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`,
      ),
    );
    const chunks: Buffer[] = [];
    socket.on('data', (c) => chunks.push(c));
    socket.on('close', () => resolve(Buffer.concat(chunks).toString()));
    socket.on('error', reject);
    socket.setTimeout(5000, () => reject(new Error('no answer within 5 s')));
  });
}
