import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { join, resolve } from 'node:path';
import {
  CreateClusterCommand,
  DescribeTaskDefinitionCommand,
  ECSClient,
  RegisterTaskDefinitionCommand,
  type RegisterTaskDefinitionCommandInput,
} from '@aws-sdk/client-ecs';
import { CreateFileSystemCommand, EFSClient } from '@aws-sdk/client-efs';
import { CreateRepositoryCommand, ECRClient } from '@aws-sdk/client-ecr';
import { CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { createDocumentClient } from '../../shared/adapters/dynamodb/dynamodb-client';
import { ensureSessionsTable } from '../../shared/adapters/dynamodb/dynamodb-table';
import { startEmbeddedDynamoDb } from '../../shared/adapters/dynamodb/embedded-dynamodb';
import { createEcsClient } from '../../shared/adapters/runtime/ecs/ecs-client';
import { type RecordedCall, startAwsRecorder } from './aws-recorder';
import { type Cfn, resolveDeep, resolver } from './cfn-resolver';
import { roleIdOf } from './iam-evaluation';
import { enforceIamOnMoto } from './moto-iam';
import { freePort } from './dynamodb-local';
import { CLUSTER_ARN } from './ecs-events';
import { type WarmFunction, warmFunction } from './lambda-host';
import { LoopbackEcsAgent } from './loopback-ecs-agent';
import { motoNetwork, startMoto523 } from './moto-523';
import { spawnFilesService, spawnRouter } from './router-process';
import { bundlesOf, lambdaRuntimeEnv, type SynthesizedStack, synthesizeStack } from './stack-bundles';
import { testJwtEnv } from './test-jwt';

export const REGION = 'eu-west-1';
export const ACCOUNT = '123456789012';
export const REPOSITORY_URI = `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/sessionplane-apps`;
const CLUSTER = CLUSTER_ARN.split('/')[1]!;
const DEMO = resolve('examples/apps');

/** CloudFormation's property names (PascalCase) as the SDK's (camelCase), keys only. */
function camel(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(camel);
  if (typeof v !== 'object' || v === null) return v;
  return Object.fromEntries(
    Object.entries(v).map(([k, x]) => [/^[A-Z]/.test(k) ? k[0]!.toLowerCase() + k.slice(1) : k, camel(x)]),
  );
}

export interface MotoDeployment {
  /** moto's endpoint (for what a test makes there itself, such as Cognito's users). */
  motoEndpoint: string;
  /** The sessions table's store (the embedded DynamoDB), for a test's own reads. */
  dynamodbEndpoint: string;
  stack: SynthesizedStack;
  resolveDeep: (v: Cfn) => unknown;
  kmsKeyArn: string;
  ecs: ECSClient;
  network: { subnets: string[]; securityGroup: string };
  fns: Record<string, WarmFunction>;
  router: Awaited<ReturnType<typeof spawnRouter>>;
  /** The files service beside the router (its homes: a folder standing in for the EFS mount). */
  files: Awaited<ReturnType<typeof spawnFilesService>>;
  agent: LoopbackEcsAgent;
  /** Every AWS call, by who made it (the function's service name, `router`, or `tasks`). */
  calls: Record<string, RecordedCall[]>;
  /** The role (its logical id) an access key of the session tasks belongs to. */
  roleOfKey: (accessKeyId: string) => string;
  /** The control plane starts cold: every function's process and the router service anew (tasks and table go on). */
  coldStart(): Promise<void>;
  close(): Promise<void>;
}

// Over 60 lines: what a deploy makes, in the order it makes it (resources, definitions, functions, router, tasks).
/**
 * The stack deployed onto moto 5.2.3 and the embedded DynamoDB, as CloudFormation would: the network, the cluster
 * with its capacity providers, the secrets key, the homes' file system and the apps' repository made in moto; the
 * apps' task definitions registered from the template; each function a warm process of its bundle with its template
 * environment; the router service; and LoopbackEcsAgent for the tasks. Every principal's AWS calls go through a
 * recorder of its own, for the IAM evaluation.
 */
export async function deployOnMoto(
  appsFile: string,
  options: {
    enforceIam?: boolean;
    /** Settings as `-c key=value` would give them (beside the apps file). */
    context?: Record<string, unknown>;
    /** More environment for every function (settings the stack has no context for, such as per-user limits). */
    functionEnv?: Record<string, string>;
    /**
     * What the test makes in moto itself (Cognito's users), before IAM is enforced; it may answer more environment
     * for every function (the issuer the functions are to trust).
     */
    prepare?: (motoEndpoint: string, stack: SynthesizedStack) => Promise<Record<string, string> | undefined>;
  } = {},
): Promise<MotoDeployment> {
  const [moto, store] = await Promise.all([startMoto523(), startEmbeddedDynamoDb()]);
  const closers: (() => Promise<unknown>)[] = [() => moto.close(), () => store.close()];
  await ensureSessionsTable(createDocumentClient({ endpoint: store.endpoint, region: 'local' }), 'sessions');
  const at = { region: REGION, endpoint: moto.endpoint, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } };
  // A task stays as moto placed it until stopped (the agent reports its life).
  await fetch(`${moto.endpoint}/moto-api/state-manager/set-transition`, {
    method: 'POST',
    body: JSON.stringify({ model_name: 'ecs::task', transition: { progression: 'manual', times: 1_000_000 } }),
  });
  const net = await motoNetwork(moto.endpoint, REGION);
  let ecs = createEcsClient({ ...at, maxAttempts: 1 });
  closers.push(async () => ecs.destroy());
  await ecs.send(new CreateClusterCommand({ clusterName: CLUSTER, capacityProviders: ['FARGATE', 'FARGATE_SPOT'] }));
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

  const stack = synthesizeStack({ region: REGION, appsFile, imagePrefixes: `${REPOSITORY_URI}:`, ...options.context });
  const byType = (type: string) => Object.entries(stack.resources).filter(([, r]) => r.Type === type);
  const refs: Record<string, string> = {};
  const atts: Record<string, string> = {};
  const arn = (service: string, resource: string) => `arn:aws:${service}:${REGION}:${ACCOUNT}:${resource}`;
  for (const [id] of byType('AWS::ECS::Cluster')) refs[id] = CLUSTER;
  for (const [id] of byType('AWS::DynamoDB::Table')) atts[`${id}.Arn`] = arn('dynamodb', 'table/sessions');
  for (const [id] of byType('AWS::EFS::FileSystem')) {
    refs[id] = fileSystemId;
    atts[`${id}.Arn`] = arn('elasticfilesystem', `file-system/${fileSystemId}`);
  }
  // A log group's Ref is its name (what the tasks' awslogs options and the API's log reader both name).
  for (const [id, r] of byType('AWS::Logs::LogGroup')) {
    if (typeof r.Properties?.LogGroupName === 'string') refs[id] = r.Properties.LogGroupName;
    atts[`${id}.Arn`] = arn('logs', `log-group:${String(r.Properties?.LogGroupName ?? id)}:*`);
  }
  for (const [i, [id]] of byType('AWS::EC2::Subnet').entries()) refs[id] = net.subnets[i % 2]!;
  for (const [id] of byType('AWS::EC2::SecurityGroup')) atts[`${id}.GroupId`] = net.securityGroup;
  const deep = resolveDeep(resolver(stack.resources, { kmsKeyArn, refs, atts }));
  // The apps' task definitions as the deploy registers them: revision 1 of each family, from the template.
  for (const [id, r] of byType('AWS::ECS::TaskDefinition')) {
    const input = camel(deep(r.Properties)) as RegisterTaskDefinitionCommandInput;
    if (!input.family?.startsWith('sessionplane-')) continue;
    // moto needs a container's memory where AWS takes the task's (a moto gap: test/support/moto-523.ts).
    for (const c of input.containerDefinitions ?? []) c.memory ??= Number(input.memory);
    refs[id] = (await ecs.send(new RegisterTaskDefinitionCommand(input))).taskDefinition!.taskDefinitionArn!;
  }

  // With IAM enforced, each function and task calls moto with its own role's credentials; the test as an admin.
  const preparedEnv = await options.prepare?.(moto.endpoint, stack);
  const iam = options.enforceIam ? await enforceIamOnMoto(moto.endpoint, stack.resources, deep) : undefined;
  if (iam) {
    ecs.destroy();
    ecs = new ECSClient({
      region: REGION,
      endpoint: moto.endpoint,
      credentials: { accessKeyId: iam.admin.AWS_ACCESS_KEY_ID, secretAccessKey: iam.admin.AWS_SECRET_ACCESS_KEY },
      maxAttempts: 1,
    });
  }
  const roleOfFunction = (name: string) =>
    roleIdOf(
      Object.values(stack.resources).find(
        (r) =>
          r.Type === 'AWS::Lambda::Function' &&
          (r.Properties!.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables
            ?.POWERTOOLS_SERVICE_NAME === name,
      )!.Properties!.Role,
    );

  const calls: Record<string, RecordedCall[]> = {};
  const recorder = async (who: string) => {
    const r = await startAwsRecorder({ moto: moto.endpoint, dynamodb: store.endpoint });
    calls[who] = r.calls;
    closers.push(r.close);
    return r.endpoint;
  };
  const routerPort = await freePort();
  const publicUrl = `http://127.0.0.1:${routerPort}`;
  const fns: Record<string, WarmFunction> = {};
  const specs: Record<string, { file: string; env: Record<string, string> }> = {};
  for (const [name, fn] of Object.entries(bundlesOf(stack, { kmsKeyArn, refs, atts }))) {
    const endpoint = await recorder(name);
    const runtimeEnv = lambdaRuntimeEnv({
      region: REGION,
      endpoints: { ECS: endpoint, KMS: endpoint, ECR: endpoint, EFS: endpoint, CLOUDWATCH_LOGS: endpoint },
      dynamodb: endpoint,
      home: stack.outdir,
    });
    specs[name] = {
      file: fn.file,
      env: {
        ...fn.env,
        ...runtimeEnv,
        // The functions verify callers' JWTs themselves: the test issuer's, unless the test made its own (Cognito's).
        ...testJwtEnv,
        ...(iam ? iam.roles.get(roleOfFunction(name)) : {}),
        ...options.functionEnv,
        ...preparedEnv,
        SESSIONPLANE_PUBLIC_URL: publicUrl,
        ...(fn.env.SESSIONPLANE_FILES_URL ? { SESSIONPLANE_FILES_URL: publicUrl } : {}),
      },
    };
  }
  const warmAll = async () => {
    for (const [name, spec] of Object.entries(specs)) fns[name] = await warmFunction(name, spec.file, spec.env);
  };
  await warmAll();
  closers.push(() => Promise.all(Object.values(fns).map((f) => f.close())));
  const routerDb = await recorder('router');
  // The files service beside the router in its task (#38): the same task role, so its calls are the router's.
  const files = await spawnFilesService(routerDb, {
    ...testJwtEnv,
    SESSIONPLANE_TABLE: 'sessions',
    AWS_REGION: REGION,
  });
  closers.push(async () => void files.child.kill('SIGTERM'));
  const routerEnv = {
    SESSIONPLANE_APPS: appsFile,
    SESSIONPLANE_PUBLIC_URL: publicUrl,
    SESSIONPLANE_FILES_SERVICE: files.url,
  };
  let router = await spawnRouter(routerDb, routerEnv, routerPort);
  closers.push(async () => router.child.kill('SIGTERM'));
  // Every image the journey's tasks run is the demo image (its Containerfile's ENTRYPOINT and WORKDIR).
  const demo = { entryPoint: ['node', join(DEMO, 'sessionplane-entry.mjs')], cwd: DEMO };
  const tasksEndpoint = await recorder('tasks');
  const agent = new LoopbackEcsAgent(ecs, {
    cluster: CLUSTER,
    containerName: 'app',
    images: (image) =>
      image.startsWith('registry.example.org/sessionplane/echo:') ||
      image.startsWith(`${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/cdk-`) ||
      image.startsWith(`${REPOSITORY_URI}:`)
        ? demo
        : undefined,
    env: { PATH: process.env.PATH ?? '', AWS_REGION: REGION, AWS_ENDPOINT_URL_KMS: tasksEndpoint },
    // The awslogs driver writes with the execution role's rights; here as the admin (the journey checks the roles).
    logs: new CloudWatchLogsClient({
      ...at,
      ...(iam
        ? {
            credentials: {
              accessKeyId: iam.admin.AWS_ACCESS_KEY_ID,
              secretAccessKey: iam.admin.AWS_SECRET_ACCESS_KEY,
            },
          }
        : {}),
    }),
    // The task role's credentials (on Fargate from the container credentials endpoint): its own where IAM is
    // enforced, else a key that names the role.
    roleCredentials: (role): Record<string, string> => {
      const id = role.split('/').at(-1)!;
      const own = iam?.roles.get(id);
      return own
        ? { ...own }
        : { AWS_ACCESS_KEY_ID: `ROLE-${id}`, AWS_SECRET_ACCESS_KEY: 'secret', AWS_SESSION_TOKEN: 'token' };
    },
  });
  closers.unshift(() => agent.close());
  const deployment: MotoDeployment = {
    motoEndpoint: moto.endpoint,
    dynamodbEndpoint: store.endpoint,
    stack,
    resolveDeep: deep,
    kmsKeyArn,
    ecs,
    network: net,
    fns,
    router,
    files,
    agent,
    calls,
    roleOfKey: (key) => iam?.roleOfKey.get(key) ?? key.replace(/^ROLE-/, ''),
    coldStart: async () => {
      await Promise.all(Object.values(fns).map((f) => f.close()));
      router.child.kill('SIGKILL');
      await router.exited;
      await warmAll();
      router = await spawnRouter(routerDb, routerEnv, routerPort);
      deployment.router = router;
    },
    close: async () => {
      for (const close of closers.reverse()) await close().catch(() => undefined);
    },
  };
  return deployment;
}

/** The roles a registered task definition names (for iam:PassRole). */
export async function rolesOf(ecs: ECSClient, taskDefinition: string): Promise<string[]> {
  const d = (await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition }))).taskDefinition!;
  return [d.taskRoleArn, d.executionRoleArn].filter((r): r is string => !!r);
}

/**
 * EventBridge, running: the agent's task events handed to task-events as they happen (a client that polls the API sees
 * its sessions become READY on their own), an invocation that failed (its function was restarting) delivered again as
 * EventBridge retries; with `schedules`, the pools keeper, the reaper and the queue function on their schedules (every
 * 2, 5 and 1 s here, a minute on AWS; the queue function also runs on each end the table stream shows). Stopped by the returned call.
 */
export function deliverEvents(d: MotoDeployment, options: { schedules?: boolean } = {}): () => Promise<void> {
  let running = true;
  const pending: unknown[] = [];
  const scheduled = { 'detail-type': 'Scheduled Event', source: 'aws.events' };
  let tick = 0;
  const loop = (async () => {
    while (running) {
      pending.push(...(await d.agent.sync().catch(() => [])));
      while (pending.length) {
        const result = await d.fns['task-events']!.invoke<{ thrown?: string }>(pending[0]);
        if (result?.thrown) break;
        pending.shift();
      }
      tick++;
      if (options.schedules && tick % 20 === 0) await d.fns.pools!.invoke(scheduled);
      if (options.schedules && tick % 50 === 0) await d.fns.reaper!.invoke(scheduled);
      // The queue function runs on the table stream's ends and each minute; here, a pass every second or so.
      if (options.schedules && tick % 10 === 5) await d.fns.queue!.invoke(scheduled);
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  return async () => {
    running = false;
    await loop;
  };
}
