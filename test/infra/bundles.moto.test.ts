import { existsSync, rmSync } from 'node:fs';
import {
  CreateClusterCommand,
  ListTaskDefinitionsCommand,
  RegisterTaskDefinitionCommand,
  type ECSClient,
} from '@aws-sdk/client-ecs';
import { CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { CreateRepositoryCommand, ECRClient } from '@aws-sdk/client-ecr';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createDocumentClient } from '../../shared/adapters/dynamodb/dynamodb-client';
import { ensureSessionsTable } from '../../shared/adapters/dynamodb/dynamodb-table';
import { startEmbeddedDynamoDb, type EmbeddedDynamoDb } from '../../shared/adapters/dynamodb/embedded-dynamodb';
import { createEcsClient } from '../../shared/adapters/runtime/ecs/ecs-client';
import { CLUSTER_ARN, taskEvent } from '../support/ecs-events';
import { invokeBundle as invoke } from '../support/bundle';
import { httpApiEvent } from '../support/lambda-events';
import { motoDescribe, startMoto } from '../support/moto';
import { bundlesOf, lambdaRuntimeEnv, synthesizeStack } from '../support/stack-bundles';
import { expected, outcomeOf } from '../support/authorization-table';
import { lambdaMatrixRows } from '../support/lambda-matrix';
import { makeSession } from '../support/sessions';
import { DynamoDbSessionStore } from '../../shared/adapters/dynamodb/dynamodb-session-store';
import { hashToken } from '../../shared/domain/ids';
import { isFinal } from '../../shared/domain/session';
import { testJwtEnv } from '../support/test-jwt';

/*
 * The moto tier for the functions: each Lambda bundle exactly as `cdk synth` writes it (its
 * index.mjs and apps.json), run in a fresh Node process with the template's own environment
 * (CloudFormation's Ref / GetAtt / Join resolved to the values a deploy would give), ECS answered
 * by moto, DynamoDB by the embedded store (moto's conditional writes are not atomic), fed real-shaped
 * API Gateway v2, EventBridge rule and ECS task events.
 */

const suite = motoDescribe();

suite('Lambda bundles as synthesized, with the template environment, against moto', () => {
  let moto: Awaited<ReturnType<typeof startMoto>>;
  let store: EmbeddedDynamoDb;
  let ecs: ECSClient;
  let outdir: string;
  const fns: Record<string, { file: string; env: Record<string, string> }> = {};

  beforeAll(async () => {
    [moto, store] = await Promise.all([startMoto(), startEmbeddedDynamoDb()]);
    await ensureSessionsTable(createDocumentClient({ endpoint: store.endpoint, region: 'local' }), 'sessions');
    ecs = createEcsClient({ region: 'eu-west-1', endpoint: moto.endpoint });
    // The session-secrets key, made in moto's KMS as the deploy would make it.
    const kms = new KMSClient({
      region: 'eu-west-1',
      endpoint: moto.endpoint,
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
    const kmsKeyArn = (await kms.send(new CreateKeyCommand({ Description: 'session secrets' }))).KeyMetadata!.Arn!;
    kms.destroy();
    // Synthesized with bundling, as `cdk synth` does, the default apps file (the demo apps).
    const stack = synthesizeStack({ appsFile: 'examples/apps/apps.yml' });
    outdir = stack.outdir;
    const template = { Resources: stack.resources };
    // The cluster and the demo apps' task definitions, as the deploy makes them: revision 1 of each family.
    await ecs.send(new CreateClusterCommand({ clusterName: CLUSTER_ARN.split('/')[1] }));
    for (const r of Object.values(template.Resources).filter((r) => r.Type === 'AWS::ECS::TaskDefinition')) {
      const family = String(r.Properties!.Family);
      if (!family.startsWith('sessionplane-')) continue;
      await ecs.send(
        new RegisterTaskDefinitionCommand({
          family,
          networkMode: 'awsvpc',
          requiresCompatibilities: ['FARGATE'],
          cpu: '256',
          memory: '512',
          containerDefinitions: [{ name: 'app', image: `registry.example.org/${family}:1`, memory: 512 }],
        }),
      );
    }
    const runtimeEnv = lambdaRuntimeEnv({
      region: 'eu-west-1',
      endpoints: { ECS: moto.endpoint, KMS: moto.endpoint, ECR: moto.endpoint },
      dynamodb: store.endpoint,
      home: outdir,
    });
    for (const [name, fn] of Object.entries(bundlesOf(stack, { kmsKeyArn })))
      fns[name] = { file: fn.file, env: { ...fn.env, ...runtimeEnv, ...testJwtEnv } };
  }, 180_000);
  afterAll(async () => {
    ecs?.destroy();
    await Promise.all([moto?.close(), store?.close()]);
    if (outdir) rmSync(outdir, { recursive: true, force: true });
  });

  it('synthesizes eight bundles, each with its apps.json, each environment passing its own schema at cold start', () => {
    expect(Object.keys(fns).sort()).toEqual([
      'api-catalog',
      'api-read',
      'api-write',
      'image-catalog',
      'pools',
      'queue',
      'reaper',
      'task-events',
    ]);
    for (const { file, env } of Object.values(fns)) {
      expect(existsSync(file)).toBe(true);
      expect(existsSync(env.SESSIONPLANE_APPS!)).toBe(true);
    }
    expect(JSON.parse(fns['api-write']!.env.SESSIONPLANE_TASK_DEFINITIONS!)).toEqual({
      echo: 'sessionplane-echo:1',
      hello: 'sessionplane-hello:1',
      wslink: 'sessionplane-wslink:1',
      reduce: 'sessionplane-reduce:1',
      // The generic definition apps found by their image's labels run in.
      _labelled: 'sessionplane-_labelled:1',
    });
  });

  it('api-catalog: GET /apps offers the four demo apps', async () => {
    const [res] = (await invoke(fns['api-catalog']!.file, fns['api-catalog']!.env, [
      { event: httpApiEvent('GET', '/apps') },
    ])) as {
      statusCode: number;
      body: string;
    }[];
    expect(res!.statusCode).toBe(200);
    const names = (JSON.parse(res!.body) as { apps: { name: string }[] }).apps.map((a) => a.name).sort();
    expect(names).toEqual(['echo', 'hello', 'reduce', 'wslink']);
  });

  it("api-write: POST /sessions reaches moto's RunTask; its server fault reads as busy: queued, or 503 with Retry-After to a caller that will not wait, never a 500", async () => {
    const [launch, queued, bad] = (await invoke(fns['api-write']!.file, fns['api-write']!.env, [
      { event: httpApiEvent('POST', '/sessions', { body: '{"app":"echo","queue":false}', claims: { sub: 'alice' } }) },
      { event: httpApiEvent('POST', '/sessions', { body: '{"app":"echo"}', claims: { sub: 'alice' } }) },
      { event: httpApiEvent('POST', '/sessions', { body: '{"app":"nope"}', claims: { sub: 'alice' } }) },
    ])) as { statusCode: number; body: string; headers: Record<string, string> }[];
    // moto differs from AWS here: 5.2.1 ignores capacityProviderStrategy, places the task as EC2 and
    // fails inside (an HTML 500: NetworkInterface has no private_dns_name). The product's reading of
    // an ECS server fault, after the SDK's 5 attempts, is "busy": 503 with Retry-After, not a 500.
    // The RunTask AWS would accept is checked against the scripted ECS (lambda-api.test.ts).
    expect(launch!.statusCode, launch!.body).toBe(503);
    expect(JSON.parse(launch!.body)).toMatchObject({ code: 'runtime.no_capacity', retryAfterSeconds: 5 });
    expect(launch!.headers).toMatchObject({ 'retry-after': '5' });
    // One that may wait waits its turn (the queue function starts it when ECS answers again).
    expect([queued!.statusCode, JSON.parse(queued!.body).status]).toEqual([202, 'QUEUED']);
    expect(bad!.statusCode).toBe(404);
    // Nothing in moto was registered by a default launch: it runs the deployed revision.
    const listed = await ecs.send(new ListTaskDefinitionsCommand({ familyPrefix: 'sessionplane-echo' }));
    expect(listed.taskDefinitionArns).toHaveLength(1);
  });

  it("api-read: GET /sessions lists the caller's sessions", async () => {
    const [res] = (await invoke(fns['api-read']!.file, fns['api-read']!.env, [
      { event: httpApiEvent('GET', '/sessions', { claims: { sub: 'alice' } }) },
    ])) as {
      statusCode: number;
      body: string;
    }[];
    expect(res!.statusCode).toBe(200);
    expect(JSON.parse(res!.body)).toHaveProperty('sessions');
  });

  it('reaper: a scheduled EventBridge event runs one pass against moto (ListTasks per family)', async () => {
    const scheduled = {
      version: '0',
      id: '53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa',
      'detail-type': 'Scheduled Event',
      source: 'aws.events',
      account: '123456789012',
      time: '2026-12-02T20:00:00Z',
      region: 'eu-west-1',
      resources: ['arn:aws:events:eu-west-1:123456789012:rule/ReaperSchedule'],
      detail: {},
    };
    const [summary] = (await invoke(fns.reaper!.file, fns.reaper!.env, [{ event: scheduled }])) as Record<
      string,
      unknown
    >[];
    expect(summary).toMatchObject({ errors: 0, unfinished: 0, orphansStopped: 0 });
  });

  it('pools: a scheduled event and a table stream batch each run one keeper pass (no pool in the demo apps: nothing started)', async () => {
    const stream = {
      Records: [
        {
          eventID: '1',
          eventName: 'MODIFY',
          eventSource: 'aws:dynamodb',
          awsRegion: 'eu-west-1',
          dynamodb: {
            Keys: { id: { S: `pool#${'0'.repeat(32)}` } },
            NewImage: { state: { S: 'CLAIMED' } },
            StreamViewType: 'NEW_IMAGE',
          },
        },
      ],
    };
    const results = (await invoke(fns.pools!.file, fns.pools!.env, [
      { event: { 'detail-type': 'Scheduled Event', source: 'aws.events' } },
      { event: stream },
    ])) as Record<string, unknown>[];
    for (const summary of results) expect(summary).toEqual({ started: 0, removed: {}, ready: {} });
  });

  it("image-catalog: a scheduled event reads the repository in moto's ECR and writes the snapshot every function reads", async () => {
    const ecr = new ECRClient({
      region: 'eu-west-1',
      endpoint: moto.endpoint,
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
    await ecr.send(new CreateRepositoryCommand({ repositoryName: 'sessionplane-apps' }));
    ecr.destroy();
    const [summary] = (await invoke(fns['image-catalog']!.file, fns['image-catalog']!.env, [{ event: {} }])) as Record<
      string,
      unknown
    >[];
    expect(summary).toEqual({ images: 0, iconsDropped: 0 });
    const snapshot = await createDocumentClient({ endpoint: store.endpoint, region: 'local' }).send(
      new GetCommand({ TableName: 'sessions', Key: { id: 'catalog#images' } }),
    );
    expect(snapshot.Item).toMatchObject({ images: [] });
  });

  it('task-events: a Task State Change of another cluster is ignored, with no ECS call', async () => {
    // An unknown task of this cluster would be stopped; moto answers StopTask of an unknown task with
    // an HTML 500 where AWS answers InvalidParameterException, so that case is checked against the
    // scripted ECS (test/unit/functions/task-events.test.ts).
    const event = taskEvent('0'.repeat(32), 'arn:aws:ecs:eu-west-1:123456789012:task/other/0123', {
      clusterArn: 'arn:aws:ecs:eu-west-1:123456789012:cluster/other',
    });
    const [res] = await invoke(fns['task-events']!.file, fns['task-events']!.env, [{ event }]);
    expect(res).toEqual({ outcome: 'ignored' });
  });

  it('authorization matrix: every API door × action × role in the Lambda that serves its route, as on one machine (#33)', async () => {
    const db = createDocumentClient({ endpoint: store.endpoint, region: 'local' });
    const sessions = new DynamoDbSessionStore(db, 'sessions');
    /** One of alice's sessions (not started: no runtime to reach), shared with bob and the group viz. */
    const fresh = async () => {
      const session = makeSession({
        owner: 'alice',
        shares: [
          { id: 'b0b0b0b0b0b0b0b0', user: 'bob', tokenHash: hashToken('b'), by: 'alice', createdAt: Date.now() },
          { id: 'f1f1f1f1f1f1f1f1', group: 'viz', tokenHash: hashToken('v'), by: 'alice', createdAt: Date.now() },
        ],
      });
      await sessions.create(session);
      return session.id;
    };
    // Reads and controls of the shared session first, then the stops (each of its own session).
    const rows = await lambdaMatrixRows(fresh);
    const answers = new Map<(typeof rows)[number], { statusCode: number; body?: string }>();
    for (const fn of new Set(rows.map((r) => r.fn))) {
      const mine = rows.filter((r) => r.fn === fn);
      const env = { ...fns[fn]!.env, AWS_ENDPOINT_URL_CLOUDWATCH_LOGS: moto.endpoint };
      const results = (await invoke(
        fns[fn]!.file,
        env,
        mine.map((r) => ({ event: r.event })),
      )) as { statusCode: number; body?: string }[];
      for (const [i, r] of mine.entries()) answers.set(r, results[i]!);
    }
    const wrong: string[] = [];
    for (const row of rows) {
      const answer = answers.get(row)!;
      const record = await sessions.get(row.id);
      const ended = record!.status === 'STOPPING' || isFinal(record!.status);
      const got = outcomeOf(row.door, row.action, answer.statusCode, answer.body ?? '', ended);
      const want = expected(row.role, row.action);
      if (got !== want)
        wrong.push(`${row.door} × ${row.action} × ${row.role} (${row.fn}): ${got} (${answer.statusCode}), not ${want}`);
    }
    console.log(`authorization matrix on the Lambda bundles: ${rows.length} rows (api-read and api-write)`);
    expect(wrong).toEqual([]);
    expect(rows.length).toBe(14 * 5);
    db.destroy();
  }, 180_000);
});
