import { CloudWatchLogsClient, GetLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { DescribeTaskDefinitionCommand, RegisterTaskDefinitionCommand, RunTaskCommand } from '@aws-sdk/client-ecs';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDocumentClient } from '../../../shared/adapters/dynamodb/dynamodb-client';
import { ensureSessionsTable } from '../../../shared/adapters/dynamodb/dynamodb-table';
import { startEmbeddedDynamoDb, type EmbeddedDynamoDb } from '../../../shared/adapters/dynamodb/embedded-dynamodb';
import { CLUSTER_ARN, taskEvent } from '../../support/ecs-events';
import { httpApiEvent, lambdaContext } from '../../support/lambda-events';
import { ScriptedEcs } from '../../support/scripted-ecs';
import { testJwtEnv } from '../../support/test-jwt';

type Handler = (
  event: unknown,
  context: unknown,
) => Promise<{ statusCode: number; headers: Record<string, string>; body: string }>;

describe('Lambda entries, fed synthetic API Gateway v2 and EventBridge events', () => {
  let db: EmbeddedDynamoDb;
  let ecs: ScriptedEcs;
  const cw = mockClient(CloudWatchLogsClient);
  const handlers: Record<string, Handler> = {};
  const saved = { ...process.env };

  beforeAll(async () => {
    db = await startEmbeddedDynamoDb();
    await ensureSessionsTable(createDocumentClient({ endpoint: db.endpoint, region: 'local' }), 'sessions');
    const dir = mkdtempSync(join(tmpdir(), 'sp-lambda-'));
    writeFileSync(
      join(dir, 'apps.json'),
      JSON.stringify({
        web: { image: 'ghcr.io/acme/web:1', port: 8080, ready: { tcp: true } },
        // No image: the stack makes no task definition for it, so ECS cannot run it (#14).
        desktop: { cmd: ['node', 'desktop.mjs'] },
        byo: { image: 'ghcr.io/acme/base:1', port: 8080, customImage: true },
      }),
    );
    ecs = new ScriptedEcs({ everyClient: true });
    // byo's deployed definition, which the registry derives custom-image revisions from.
    ecs.definitions.set('arn:aws:ecs:eu-west-1:123456789012:task-definition/sessionplane-byo:3', {
      taskDefinitionArn: 'arn:aws:ecs:eu-west-1:123456789012:task-definition/sessionplane-byo:3',
      family: 'sessionplane-byo',
      revision: 3,
      status: 'ACTIVE',
      networkMode: 'awsvpc',
      containerDefinitions: [{ name: 'app', image: 'ghcr.io/acme/base:1', portMappings: [{ containerPort: 8080 }] }],
    });
    cw.on(GetLogEventsCommand).resolves({ events: [{ timestamp: 1_800_000_000_000, message: 'hello from the task' }] });
    Object.assign(process.env, {
      SESSIONPLANE_TABLE: 'sessions',
      AWS_REGION: 'eu-west-1',
      SESSIONPLANE_DYNAMODB_ENDPOINT: db.endpoint,
      SESSIONPLANE_APPS: join(dir, 'apps.json'),
      SESSIONPLANE_LOG_LEVEL: 'silent',
      SESSIONPLANE_PUBLIC_URL: 'https://sessions.example.org',
      SESSIONPLANE_TOKEN_KEY: 'ab'.repeat(32),
      ...testJwtEnv,
      SESSIONPLANE_CLUSTER_ARN: CLUSTER_ARN,
      SESSIONPLANE_SUBNETS: 'subnet-a,subnet-b',
      SESSIONPLANE_SECURITY_GROUPS: 'sg-1',
      SESSIONPLANE_TASK_FAMILY_PREFIX: 'sessionplane-',
      SESSIONPLANE_TASK_DEFINITIONS: '{"web":"sessionplane-web:1","byo":"sessionplane-byo:3"}',
      SESSIONPLANE_LOG_GROUP_PREFIX: '/sessionplane/apps/',
      POWERTOOLS_METRICS_DISABLED: 'true',
      SESSIONPLANE_IMAGE_PREFIXES: 'ghcr.io/acme/',
    });
    for (const [name, path] of Object.entries({
      read: '../../../functions/aws/api-read',
      write: '../../../functions/aws/api-write',
      catalog: '../../../functions/aws/api-catalog',
      events: '../../../functions/aws/task-events',
      reaper: '../../../functions/aws/reaper',
    })) {
      handlers[name] = ((await import(path)) as { handler: Handler }).handler;
    }
  });
  afterAll(async () => {
    process.env = saved;
    ecs.mock.restore();
    cw.restore();
    await db.close();
  });

  it('write: POST /sessions launches an ECS task for the caller named by the JWT claims', async () => {
    const res = await handlers.write!(
      httpApiEvent('POST', '/sessions', { body: '{"app":"web"}', claims: { sub: 'alice' } }),
      lambdaContext,
    );
    expect(res.statusCode).toBe(202);
    const body = JSON.parse(res.body) as { id: string; owner: string; sessionURL: string; status: string };
    expect(body).toMatchObject({ owner: 'alice', status: 'STARTING' });
    expect(body.sessionURL).toMatch(
      new RegExp(`^wss://sessions\\.example\\.org/proxy\\?sessionId=${body.id}&path=ws&token=[0-9a-f]{40}$`),
    );
    expect(ecs.mock.commandCalls(RunTaskCommand).at(-1)!.args[0].input).toMatchObject({
      cluster: CLUSTER_ARN,
      taskDefinition: 'sessionplane-web:1',
      clientToken: body.id,
    });
  });

  it("read: GET /sessions lists the caller's sessions, and logs come from CloudWatch", async () => {
    const res = await handlers.read!(httpApiEvent('GET', '/sessions'), lambdaContext);
    expect(res.statusCode).toBe(200);
    const { sessions } = JSON.parse(res.body) as { sessions: { id: string }[] };
    expect(sessions).toHaveLength(1);
    const logs = await handlers.read!(httpApiEvent('GET', `/sessions/${sessions[0]!.id}/logs`), lambdaContext);
    expect(logs.statusCode).toBe(200);
    expect(logs.body).toBe('2027-01-15T08:00:00.000Z hello from the task\n');
  });

  it('read: GET /sessions/{id}/events as JSON and long-poll; a stream is 406 here (API Gateway buffers), pointing to the router', async () => {
    const { sessions } = JSON.parse((await handlers.read!(httpApiEvent('GET', '/sessions'), lambdaContext)).body) as {
      sessions: { id: string }[];
    };
    const id = sessions[0]!.id;
    const listed = await handlers.read!(
      httpApiEvent('GET', `/sessions/${id}/events`, { query: 'after=0&wait=0' }),
      lambdaContext,
    );
    expect(listed.statusCode).toBe(200);
    const { events } = JSON.parse(listed.body) as { events: { phase: string }[] };
    expect(events.map((e) => e.phase)).toEqual(expect.arrayContaining(['requested', 'placed']));
    const stream = await handlers.read!(
      httpApiEvent('GET', `/sessions/${id}/events`, { headers: { accept: 'text/event-stream' } }),
      lambdaContext,
    );
    expect(stream.statusCode).toBe(406);
    expect(JSON.parse(stream.body)).toMatchObject({ code: 'request.not_acceptable' });
    expect(JSON.parse(stream.body).detail).toContain('router');
  });

  it('tokens: a personal token made through api-write is verified by api-read from the table, and refused once revoked', async () => {
    const made = await handlers.write!(httpApiEvent('POST', '/tokens', { body: '{"name":"cli"}' }), lambdaContext);
    expect(made.statusCode).toBe(201);
    const { id, token } = JSON.parse(made.body) as { id: string; token: string };
    const asToken = (method: string, path: string) =>
      httpApiEvent(method, path, { claims: null, headers: { authorization: `Bearer ${token}` } });
    const listed = await handlers.read!(asToken('GET', '/sessions'), lambdaContext);
    expect(listed.statusCode).toBe(200);
    // alice's own list: the token acts as the JWT's user who made it.
    expect(
      (JSON.parse(listed.body) as { sessions: { owner: string }[] }).sessions.every((s) => s.owner === 'alice'),
    ).toBe(true);
    expect((await handlers.write!(httpApiEvent('DELETE', `/tokens/${id}`), lambdaContext)).statusCode).toBe(204);
    const after = await handlers.read!(asToken('GET', '/sessions'), lambdaContext);
    expect(after.statusCode).toBe(401);
    expect(JSON.parse(after.body)).toMatchObject({ code: 'auth.unauthenticated' });
    // A JWT of another issuer (or none) is no one's.
    const forged = `${token.slice(0, 10)}.e30.sig`;
    expect(
      (
        await handlers.read!(
          httpApiEvent('GET', '/sessions', { claims: null, headers: { authorization: `Bearer ${forged}` } }),
          lambdaContext,
        )
      ).statusCode,
    ).toBe(401);
  });

  it('answers problem+json without claims, and 404 for a route another function serves', async () => {
    const noClaims = await handlers.read!(httpApiEvent('GET', '/sessions', { claims: null }), lambdaContext);
    expect(noClaims.statusCode).toBe(401);
    expect(noClaims.headers['content-type']).toBe('application/problem+json');
    expect(JSON.parse(noClaims.body)).toMatchObject({ code: 'auth.unauthenticated' });
    const elsewhere = await handlers.read!(httpApiEvent('POST', '/sessions', { body: '{"app":"web"}' }), lambdaContext);
    expect(elsewhere.statusCode).toBe(404);
    expect(elsewhere.headers['content-type']).toBe('application/problem+json');
    const badBody = await handlers.write!(httpApiEvent('POST', '/sessions', { body: '{"app":' }), lambdaContext);
    expect(badBody.statusCode).toBe(400);
    expect(JSON.parse(badBody.body)).toMatchObject({ code: 'request.invalid' });
  });

  it('catalog: GET /apps', async () => {
    const res = await handlers.catalog!(httpApiEvent('GET', '/apps'), lambdaContext);
    expect(res.statusCode).toBe(200);
    const { apps } = JSON.parse(res.body) as { apps: { name: string; launchTimeoutSeconds: number }[] };
    expect(apps.map((a) => a.name)).toEqual(['web', 'byo']); // not the image-less one
    // No launchTimeout in the file: ECS's default, minutes (a Fargate task's ENI and image pull), not the 25 s of a process.
    expect(apps.map((a) => a.launchTimeoutSeconds)).toEqual([300, 300]);
  });

  it('write: a launch of an app ECS cannot run is 409 app.not_runnable, with no RunTask and no record (not a 500)', async () => {
    const runs = ecs.mock.commandCalls(RunTaskCommand).length;
    const res = await handlers.write!(
      httpApiEvent('POST', '/sessions', { body: '{"app":"desktop"}', claims: { sub: 'dora' } }),
      lambdaContext,
    );
    expect(res.statusCode).toBe(409);
    expect(JSON.parse(res.body)).toMatchObject({
      code: 'app.not_runnable',
      detail: expect.stringContaining('has no image'),
    });
    expect(ecs.mock.commandCalls(RunTaskCommand)).toHaveLength(runs);
    const list = await handlers.read!(httpApiEvent('GET', '/sessions', { claims: { sub: 'dora' } }), lambdaContext);
    expect(JSON.parse(list.body)).toEqual(expect.objectContaining({ sessions: [] }));
  });

  it("write: a user's own image runs in a revision registered from the app's deployed definition, never as the default image", async () => {
    const body = JSON.stringify({ app: 'byo', image: 'ghcr.io/acme/mine:2' });
    const res = await handlers.write!(
      httpApiEvent('POST', '/sessions', { body, claims: { sub: 'erin' } }),
      lambdaContext,
    );
    expect(res.statusCode).toBe(202);
    expect(JSON.parse(res.body)).toMatchObject({ image: 'ghcr.io/acme/mine:2' });
    const registered = ecs.mock.commandCalls(RegisterTaskDefinitionCommand).at(-1)!.args[0].input;
    expect(registered).toMatchObject({
      family: 'sessionplane-byo',
      containerDefinitions: [{ name: 'app', image: 'ghcr.io/acme/mine:2' }],
    });
    expect(ecs.mock.commandCalls(DescribeTaskDefinitionCommand).at(-1)!.args[0].input).toEqual({
      taskDefinition: 'sessionplane-byo:3',
    });
    expect(ecs.mock.commandCalls(RunTaskCommand).at(-1)!.args[0].input.taskDefinition).toBe(
      'arn:aws:ecs:eu-west-1:123456789012:task-definition/sessionplane-byo:4',
    );
  });

  it('write: an image from outside the allowed prefixes is refused before anything is registered or run', async () => {
    const runs = ecs.mock.commandCalls(RunTaskCommand).length;
    const registrations = ecs.mock.commandCalls(RegisterTaskDefinitionCommand).length;
    const body = JSON.stringify({ app: 'byo', image: 'docker.io/evil/miner:1' });
    const res = await handlers.write!(
      httpApiEvent('POST', '/sessions', { body, claims: { sub: 'erin' } }),
      lambdaContext,
    );
    expect(res.statusCode).toBe(403);
    expect(ecs.mock.commandCalls(RunTaskCommand)).toHaveLength(runs);
    expect(ecs.mock.commandCalls(RegisterTaskDefinitionCommand)).toHaveLength(registrations);
  });

  it("reaper: a pass over the table, within the invocation's time", async () => {
    const summary = (await handlers.reaper!({}, lambdaContext)) as unknown as {
      live: number;
      errors: number;
      unfinished: number;
    };
    expect(summary).toMatchObject({ live: 2, errors: 0, unfinished: 0 });
  });

  it('task-events: an event of another cluster changes nothing', async () => {
    const event = taskEvent('0'.repeat(32), 'arn:aws:ecs:eu-west-1:123456789012:task/other/1', {
      clusterArn: 'arn:aws:ecs:eu-west-1:123456789012:cluster/other',
    });
    expect(await handlers.events!(event, lambdaContext)).toEqual({ outcome: 'ignored' });
  });
});
