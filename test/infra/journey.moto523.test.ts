import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  CreateClusterCommand,
  type ECSClient,
  ListTasksCommand,
  RegisterTaskDefinitionCommand,
  type RegisterTaskDefinitionCommandInput,
} from '@aws-sdk/client-ecs';
import { CreateFileSystemCommand, EFSClient } from '@aws-sdk/client-efs';
import { CreateRepositoryCommand, ECRClient } from '@aws-sdk/client-ecr';
import { CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDocumentClient } from '../../shared/adapters/dynamodb/dynamodb-client';
import { ensureSessionsTable } from '../../shared/adapters/dynamodb/dynamodb-table';
import { startEmbeddedDynamoDb, type EmbeddedDynamoDb } from '../../shared/adapters/dynamodb/embedded-dynamodb';
import { createEcsClient } from '../../shared/adapters/runtime/ecs/ecs-client';
import { CLUSTER_ARN } from '../support/ecs-events';
import { freePort } from '../support/dynamodb-local';
import { httpApiEvent } from '../support/lambda-events';
import { type WarmFunction, warmFunction } from '../support/lambda-host';
import { LoopbackEcsAgent } from '../support/loopback-ecs-agent';
import { moto523Missing, motoNetwork, startMoto523 } from '../support/moto-523';
import { spawnRouter } from '../support/router-process';
import { bundlesOf, lambdaRuntimeEnv, synthesizeStack } from '../support/stack-bundles';
import { openWs, roundTrip } from '../support/ws';
import { loadWslink } from '../support/browser-globals';
import type { Resources } from '../support/cfn-resolver';

/*
 * The whole journey on AWS's shape, on this machine: the Lambda bundles exactly as `cdk synth` writes them (each a
 * warm process with its template environment), the router service, and the task-events, reaper and pools functions
 * composed as the stack composes them, against moto 5.2.3 (ECS, KMS, EFS, ECR) and the embedded DynamoDB. moto runs
 * no container: LoopbackEcsAgent plays the ECS agent and EventBridge (each task a process of its image, each change
 * an "ECS Task State Change" event to the task-events function). One app of each kind: plain (an image of its own),
 * built by the stack (its secret sealed with KMS, unsealed by its entrypoint), home (an EFS access point per user),
 * pooled (a warm task claimed), and a user's own image from the stack's repository.
 */

const REGION = 'eu-west-1';
const ACCOUNT = '123456789012';
const DEMO = resolve('examples/apps');
const REPOSITORY_URI = `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/sessionplane-apps`;

/** The journey's apps file: one app of each kind, every one the demo image's programs, on `port`. */
function journeyApps(port: number): string {
  const echo = `cmd: [node, echo-ws.mjs, --host, "\${host}", --port, "\${port}"]\n  port: ${port}\n  ready: { tcp: true }`;
  return `plain:
  description: an image of its own
  image: registry.example.org/sessionplane/echo:1
  ${echo}
built:
  description: built by the stack; its secret sealed with KMS
  build: ${DEMO}
  cmd: [node, wslink-app.mjs, --host, "\${host}", --port, "\${port}"]
  port: ${port}
  ready: { tcp: true }
notes:
  description: the user's home mounted
  build: ${DEMO}
  home: /home/user
  ${echo}
pooled:
  description: kept warm
  image: registry.example.org/sessionplane/echo:1
  pool: { min: 1 }
  ${echo}
custom:
  description: a user's own image
  image: registry.example.org/sessionplane/echo:1
  customImage: true
  ${echo}
`;
}

/** CloudFormation's property names (PascalCase) as the SDK's (camelCase), keys only. */
function camel(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(camel);
  if (typeof v !== 'object' || v === null) return v;
  return Object.fromEntries(
    Object.entries(v).map(([k, x]) => [/^[A-Z]/.test(k) ? k[0]!.toLowerCase() + k.slice(1) : k, camel(x)]),
  );
}

type Answer = { statusCode: number; body: string; headers?: Record<string, string> };
const json = (a: Answer) => JSON.parse(a.body) as Record<string, unknown>;
const claimsOf = (user: string) => ({ sub: user, 'cognito:groups': '[users]' });

const missing = moto523Missing();
const suite = missing ? describe.skip : describe;

suite(`The journey on AWS's shape: moto 5.2.3, the bundles, the router${missing ? ` (skipped: ${missing})` : ''}`, () => {
  let moto: Awaited<ReturnType<typeof startMoto523>>;
  let store: EmbeddedDynamoDb;
  let ecs: ECSClient;
  let agent: LoopbackEcsAgent;
  let router: Awaited<ReturnType<typeof spawnRouter>>;
  let dir: string;
  let outdir: string;
  const fns: Record<string, WarmFunction> = {};
  const api = async (user: string, method: string, path: string, body?: unknown): Promise<Answer> => {
    const fn = method === 'GET' ? 'api-read' : 'api-write';
    return fns[fn]!.invoke<Answer>(
      httpApiEvent(method, path, { claims: claimsOf(user), ...(body ? { body: JSON.stringify(body) } : {}) }),
    );
  };
  /** The agent's events since the last step, each delivered to task-events; their outcomes. */
  const deliver = async () => {
    const outcomes: string[] = [];
    for (const event of await agent.sync())
      outcomes.push((await fns['task-events']!.invoke<{ outcome: string }>(event)).outcome);
    return outcomes;
  };
  /** Through the router, as a client that was given `url`. */
  const throughRouter = (url: string) => {
    const u = new URL(url);
    return `${router.base.replace('http', 'ws')}${u.pathname}${u.search}`;
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sp-journey-'));
    const appsFile = join(dir, 'apps.yml');
    writeFileSync(appsFile, journeyApps(await freePort()));
    [moto, store] = await Promise.all([startMoto523(), startEmbeddedDynamoDb()]);
    await ensureSessionsTable(createDocumentClient({ endpoint: store.endpoint, region: 'local' }), 'sessions');
    const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
    const at = { region: REGION, endpoint: moto.endpoint, credentials };
    // A task stays as moto placed it until stopped (the agent reports its life).
    await fetch(`${moto.endpoint}/moto-api/state-manager/set-transition`, {
      method: 'POST',
      body: JSON.stringify({ model_name: 'ecs::task', transition: { progression: 'manual', times: 1_000_000 } }),
    });
    // What the deploy makes, made in moto: the network, the cluster, the key, the homes, the repository.
    const net = await motoNetwork(moto.endpoint, REGION);
    ecs = createEcsClient({ ...at, maxAttempts: 1 });
    await ecs.send(
      new CreateClusterCommand({
        clusterName: CLUSTER_ARN.split('/')[1],
        capacityProviders: ['FARGATE', 'FARGATE_SPOT'],
      }),
    );
    const kms = new KMSClient(at);
    const kmsKeyArn = (await kms.send(new CreateKeyCommand({ Description: 'session secrets' }))).KeyMetadata!.Arn!;
    kms.destroy();
    const efs = new EFSClient(at);
    const fileSystemId = (await efs.send(new CreateFileSystemCommand({ CreationToken: 'homes', Encrypted: true })))
      .FileSystemId!;
    efs.destroy();
    const ecr = new ECRClient(at);
    await ecr.send(new CreateRepositoryCommand({ repositoryName: 'sessionplane-apps' }));
    ecr.destroy();

    const stack = synthesizeStack({ region: REGION, appsFile, imagePrefixes: `${REPOSITORY_URI}:` });
    outdir = stack.outdir;
    const byType = (type: string) => Object.entries(stack.resources).filter(([, r]) => r.Type === type);
    const refs: Record<string, string> = {};
    const atts: Record<string, string> = {};
    for (const [id] of byType('AWS::ECS::Cluster')) refs[id] = CLUSTER_ARN.split('/')[1]!;
    for (const [id] of byType('AWS::EFS::FileSystem')) refs[id] = fileSystemId;
    for (const [i, [id]] of byType('AWS::EC2::Subnet').entries()) refs[id] = net.subnets[i % 2]!;
    for (const [id] of byType('AWS::EC2::SecurityGroup')) atts[`${id}.GroupId`] = net.securityGroup;
    // The apps' task definitions as the deploy registers them: revision 1 of each family, from the template.
    const { resolver } = await import('../support/cfn-resolver');
    const resolveCfn = resolver(stack.resources as Resources, { kmsKeyArn, refs, atts });
    const deep = (v: unknown): unknown =>
      Array.isArray(v)
        ? v.map(deep)
        : typeof v === 'object' && v !== null
          ? Object.keys(v).some((k) => k === 'Ref' || k.startsWith('Fn::'))
            ? resolveCfn(v)
            : Object.fromEntries(Object.entries(v).map(([k, x]) => [k, deep(x)]))
          : v;
    for (const [id, r] of byType('AWS::ECS::TaskDefinition')) {
      const input = camel(deep(r.Properties)) as RegisterTaskDefinitionCommandInput;
      if (!input.family?.startsWith('sessionplane-')) continue;
      // moto needs a container's memory where AWS takes the task's (a moto gap: test/support/moto-523.ts).
      for (const c of input.containerDefinitions ?? []) c.memory ??= Number(input.memory);
      const arn = (await ecs.send(new RegisterTaskDefinitionCommand(input))).taskDefinition!.taskDefinitionArn!;
      refs[id] = arn;
    }
    const runtimeEnv = lambdaRuntimeEnv({
      region: REGION,
      endpoints: { ECS: moto.endpoint, KMS: moto.endpoint, ECR: moto.endpoint, EFS: moto.endpoint },
      dynamodb: store.endpoint,
      home: outdir,
    });
    const routerPort = await freePort();
    const publicUrl = `http://127.0.0.1:${routerPort}`;
    for (const [name, fn] of Object.entries(bundlesOf(stack, { kmsKeyArn, refs, atts })))
      fns[name] = await warmFunction(name, fn.file, { ...fn.env, ...runtimeEnv, SESSIONPLANE_PUBLIC_URL: publicUrl });
    router = await spawnRouter(
      store.endpoint,
      { SESSIONPLANE_APPS: appsFile, SESSIONPLANE_PUBLIC_URL: publicUrl },
      routerPort,
    );
    // Every image the journey's tasks run is the demo image (its Containerfile's ENTRYPOINT and WORKDIR).
    const demo = { entryPoint: ['node', join(DEMO, 'sessionplane-entry.mjs')], cwd: DEMO };
    agent = new LoopbackEcsAgent(ecs, {
      cluster: CLUSTER_ARN.split('/')[1]!,
      containerName: 'app',
      images: (image) =>
        image.startsWith('registry.example.org/sessionplane/echo:') ||
        image.startsWith(`${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/cdk-`) ||
        image.startsWith(`${REPOSITORY_URI}:`)
          ? demo
          : undefined,
      env: {
        PATH: process.env.PATH ?? '',
        // The task role's credentials (on Fargate from the container credentials endpoint).
        AWS_ACCESS_KEY_ID: 'ASIATASKROLE',
        AWS_SECRET_ACCESS_KEY: 'secret',
        AWS_SESSION_TOKEN: 'token',
        AWS_REGION: REGION,
        AWS_ENDPOINT_URL_KMS: moto.endpoint,
      },
    });
  }, 240_000);

  afterAll(async () => {
    await agent?.close();
    router?.child.kill('SIGTERM');
    await Promise.all(Object.values(fns).map((f) => f.close()));
    ecs?.destroy();
    await Promise.all([moto?.close(), store?.close()]);
    for (const d of [dir, outdir]) if (d) rmSync(d, { recursive: true, force: true });
  });

  /** Launches `app` as `user`, delivers its task's RUNNING event, and answers the READY session. */
  const launchReady = async (user: string, body: Record<string, unknown>) => {
    const launched = await api(user, 'POST', '/sessions', body);
    expect(launched.statusCode, launched.body).toBe(202);
    const id = String(json(launched).id);
    // A task whose app never listens is probed until its launch deadline (minutes): say why meanwhile.
    const timer = setTimeout(() => console.log('not READY after 20 s; the tasks:', agent.processes()), 20_000);
    expect(await deliver()).toEqual(['ready']);
    clearTimeout(timer);
    const ready = json(await api(user, 'GET', `/sessions/${id}`));
    expect(ready).toMatchObject({ id, status: 'READY' });
    return { id, launched: json(launched), ready };
  };
  const echoes = async (url: string) => {
    const ws = await openWs(throughRouter(url));
    try {
      return (await roundTrip(ws, 'hello from the journey')).toString() === 'hello from the journey';
    } finally {
      ws.close();
    }
  };
  /** Stops `id` as its owner; ECS's STOPPED event delivered; the session's final record. */
  const stopped = async (user: string, id: string) => {
    const stop = await api(user, 'DELETE', `/sessions/${id}`);
    expect(stop.statusCode, stop.body).toBeLessThan(300);
    expect(await deliver()).toEqual(['stopped']);
    return json(await api(user, 'GET', `/sessions/${id}`));
  };

  it('plain: launch → RUNNING event → READY → through the router → shared with bob → only alice stops it → STOPPED', async () => {
    const { id, ready } = await launchReady('alice', { app: 'plain' });
    expect(await echoes(String(ready.sessionURL))).toBe(true);
    const share = await api('alice', 'POST', `/sessions/${id}/shares`, { user: 'bob' });
    expect(share.statusCode, share.body).toBe(201);
    const his = json(await api('bob', 'GET', `/sessions/${id}`));
    expect(his.sessionURL).not.toBe(ready.sessionURL);
    expect(await echoes(String(his.sessionURL))).toBe(true);
    // A grantee uses it; only its owner (or an admin) stops it, at this door too.
    expect((await api('bob', 'DELETE', `/sessions/${id}`)).statusCode).toBe(403);
    expect(await agent.sync()).toEqual([]);
    expect(await stopped('alice', id)).toMatchObject({ status: 'STOPPED' });
    // Its token no longer opens anything.
    await expect(echoes(String(ready.sessionURL))).rejects.toThrow();
  });

  it('built: the stack-built image unseals its secret with KMS (the task role’s context) and the wslink client says hello through the router', async () => {
    const { id, launched, ready } = await launchReady('alice', { app: 'built' });
    const { SmartConnect } = loadWslink(router.base);
    const smart = SmartConnect.newInstance({
      config: { sessionURL: throughRouter(String(ready.sessionURL)), secret: String(launched.secret) },
    });
    const session = await new Promise<{ call(method: string, args?: unknown[]): Promise<unknown> }>(
      (resolve, reject) => {
        smart.onConnectionReady((connection) => resolve(connection.getSession()));
        smart.onConnectionError((_c, error) => reject(new Error(`connection error: ${JSON.stringify(error)}`)));
        smart.connect();
      },
    );
    expect(await session.call('app.add', [2, 3])).toBe(5);
    smart.destroy();
    expect(await stopped('alice', id)).toMatchObject({ status: 'STOPPED' });
  });

  it("home: the first launch makes alice's access point; her task runs in a revision that mounts it at /home/user", async () => {
    const { id } = await launchReady('alice', { app: 'notes' });
    const task = agent.processes().at(-1)!;
    const definition = await agent.definitionOf(task.taskArn);
    const volume = definition.volumes!.find((v) => v.efsVolumeConfiguration)!;
    expect(volume.efsVolumeConfiguration).toMatchObject({
      fileSystemId: expect.stringMatching(/^fs-/),
      transitEncryption: 'ENABLED',
      authorizationConfig: { accessPointId: expect.stringMatching(/^fsap-/), iam: 'ENABLED' },
    });
    expect(definition.containerDefinitions![0]!.mountPoints).toEqual([
      expect.objectContaining({ sourceVolume: volume.name, containerPath: '/home/user' }),
    ]);
    // The deployed revision is left as it was; the user's is a revision of the same family.
    expect(definition.family).toBe('sessionplane-notes');
    expect(definition.revision).toBeGreaterThan(1);
    expect(
      await echoes(String((json(await api('alice', 'GET', `/sessions/${id}`)) as { sessionURL: string }).sessionURL)),
    ).toBe(true);
    expect(await stopped('alice', id)).toMatchObject({ status: 'STOPPED' });
  });

  it('pooled: the keeper starts a warm task; a launch claims it with no RunTask of its own; the keeper refills', async () => {
    const scheduled = { 'detail-type': 'Scheduled Event', source: 'aws.events' };
    expect(await fns.pools!.invoke(scheduled)).toMatchObject({ started: 1 });
    expect(await deliver()).toEqual(['ready']);
    const tasksBefore = (await ecs.send(new ListTasksCommand({ cluster: 'sessionplane' }))).taskArns!.length;
    const launched = await api('alice', 'POST', '/sessions', { app: 'pooled' });
    expect(launched.statusCode, launched.body).toBeLessThan(300);
    const id = String(json(launched).id);
    expect(json(launched).status).toBe('READY');
    expect(await deliver()).toEqual([]);
    expect((await ecs.send(new ListTasksCommand({ cluster: 'sessionplane' }))).taskArns).toHaveLength(tasksBefore);
    expect(await echoes(String(json(await api('alice', 'GET', `/sessions/${id}`)).sessionURL))).toBe(true);
    expect(await fns.pools!.invoke(scheduled)).toMatchObject({ started: 1 });
    expect(await deliver()).toEqual(['ready']);
    expect(await stopped('alice', id)).toMatchObject({ status: 'STOPPED' });
  });

  it("custom image: a launch names an image of the stack's repository and runs in its registry revision; another registry's is refused", async () => {
    const refused = await api('alice', 'POST', '/sessions', { app: 'custom', image: 'docker.io/someone/miner:1' });
    expect(refused.statusCode, refused.body).toBe(403);
    expect(refused.headers?.['content-type']).toContain('application/problem+json');
    expect(await agent.sync()).toEqual([]);
    const image = `${REPOSITORY_URI}:v1`;
    const { id } = await launchReady('alice', { app: 'custom', image });
    const definition = await agent.definitionOf(agent.processes().at(-1)!.taskArn);
    expect(definition.containerDefinitions![0]!.image).toBe(image);
    expect(definition.family).toBe('sessionplane-custom');
    expect(await echoes(String(json(await api('alice', 'GET', `/sessions/${id}`)).sessionURL))).toBe(true);
    expect(await stopped('alice', id)).toMatchObject({ status: 'STOPPED' });
  });

  it("usage: alice's month counts each of her sessions; the reaper's pass finds nothing wrong and leaves the warm task", async () => {
    const usage = json(await api('alice', 'GET', '/usage'));
    // plain, built, notes, pooled and custom: each a session of hers, each billed for its time.
    expect(usage.totals).toMatchObject({ sessions: 5 });
    expect((usage.totals as { vcpuHours: number }).vcpuHours).toBeGreaterThan(0);
    const reaped = await fns.reaper!.invoke<Record<string, unknown>>({
      'detail-type': 'Scheduled Event',
      source: 'aws.events',
      time: new Date().toISOString(),
    });
    expect(reaped).toMatchObject({ errors: 0, unfinished: 0, orphansStopped: 0 });
    expect(await agent.sync()).toEqual([]);
  });
});
