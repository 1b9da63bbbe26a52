import type { ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbSessionEventLog } from '../../shared/adapters/dynamodb/dynamodb-event-log';
import { DynamoDbSessionStore } from '../../shared/adapters/dynamodb/dynamodb-session-store';
import type { EmbeddedDynamoDb } from '../../shared/adapters/dynamodb/embedded-dynamodb';
import { once } from '../../shared/domain/events';
import { spawnRouter } from '../support/router-process';
import { makeSession } from '../support/sessions';
import { embeddedTable } from '../support/table';

/**
 * On AWS, API Gateway cannot stream: the router service serves GET /sessions/{id}/events to API
 * callers, with the API's issuer's JWTs, polling the table that task-events writes (#15 item 2).
 */
describe('functions/aws/router-service.ts: the event stream for API callers', () => {
  let db: EmbeddedDynamoDb;
  let idp: Server;
  let router: ChildProcess;
  let base: string;
  let sign: (sub: string) => Promise<string>;
  let store: DynamoDbSessionStore;
  let log: DynamoDbSessionEventLog;

  beforeAll(async () => {
    const table = await embeddedTable();
    db = table.db;
    store = new DynamoDbSessionStore(table.client, 'sessions');
    log = new DynamoDbSessionEventLog(table.client, 'sessions');
    // The issuer (as Cognito serves one: discovery, then its keys).
    const { privateKey, publicKey } = await generateKeyPair('RS256');
    const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
    let issuer = '';
    idp = createServer((req, res) => {
      const json = (body: unknown) =>
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      if (req.url === '/pool/.well-known/openid-configuration') return json({ issuer, jwks_uri: `${issuer}/keys` });
      if (req.url === '/pool/keys') return json({ keys: [jwk] });
      res.writeHead(404).end();
    });
    await new Promise<void>((r) => idp.listen(0, '127.0.0.1', r));
    issuer = `http://127.0.0.1:${(idp.address() as AddressInfo).port}/pool`;
    sign = (sub) =>
      new SignJWT({})
        .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
        .setIssuer(issuer)
        .setAudience('sessionplane')
        .setSubject(sub)
        .setExpirationTime('5m')
        .sign(privateKey);

    ({ child: router, base } = await spawnRouter(db.endpoint, {
      SESSIONPLANE_JWT_ISSUER: issuer,
      SESSIONPLANE_JWT_AUDIENCE: 'sessionplane',
      SESSIONPLANE_EVENT_KEEPALIVE: '500ms',
      SESSIONPLANE_LOG_LEVEL: 'warn',
    }));
  });
  afterAll(async () => {
    router?.kill('SIGKILL');
    idp?.close();
    await db?.close();
  });

  it("streams a starting session's events to its owner as task-events writes them, and ends at READY", async () => {
    const s = makeSession({ owner: 'carol', status: 'STARTING' });
    await store.create(s);
    await log.append(s.id, [
      once('requested', 1000, 'Launch of echo requested.'),
      once('placed', 2000, 'ECS accepted the task.'),
    ]);
    const res = await fetch(`${base}/sessions/${s.id}/events`, {
      headers: { authorization: `Bearer ${await sign('carol')}`, accept: 'text/event-stream' },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    // Another process (task-events) writes the rest while the client listens.
    setTimeout(() => void log.append(s.id, [once('pulling', 3000, 'Pulling the image.')]), 300);
    setTimeout(() => void log.append(s.id, [once('ready', 4000, 'The app is ready.')]), 1500);
    const text = await res.text();
    expect([...text.matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1]))).toEqual([1, 2, 3, 4]);
    expect(text).toMatch(/"phase":"ready".*"ready":true,"url":"https:\/\/sessions\.example\.org\/s\//);
    expect(text).toContain(': keepalive');
  });

  it('long-polls as JSON, and answers no credential 401 and another user 404, in problem+json', async () => {
    const s = makeSession({ owner: 'carol', status: 'READY' });
    await store.create(s);
    await log.append(s.id, [once('requested', 1000, 'asked')]);
    const carol = { authorization: `Bearer ${await sign('carol')}` };
    const listed = (await (await fetch(`${base}/sessions/${s.id}/events?after=0`, { headers: carol })).json()) as {
      events: { phase: string }[];
      next: number;
    };
    expect(listed).toMatchObject({ events: [{ phase: 'requested' }], next: 1 });
    const anonymous = await fetch(`${base}/sessions/${s.id}/events`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('content-type')).toContain('application/problem+json');
    expect(
      (await fetch(`${base}/sessions/${s.id}/events`, { headers: { authorization: `Bearer ${await sign('bob')}` } }))
        .status,
    ).toBe(404);
  });
});
