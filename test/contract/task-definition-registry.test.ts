import { DeregisterTaskDefinitionCommand, RegisterTaskDefinitionCommand, RunTaskCommand } from '@aws-sdk/client-ecs';
import { GetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createDocumentClient } from '../../shared/adapters/dynamodb/dynamodb-client';
import { ensureSessionsTable } from '../../shared/adapters/dynamodb/dynamodb-table';
import { EcsRuntime } from '../../shared/adapters/runtime/ecs/ecs-runtime';
import { TaskDefinitionRegistry } from '../../shared/adapters/runtime/ecs/task-definition-registry';
import { CapacityError } from '../../shared/domain/errors';
import { fixtureApp } from '../support/apps';
import { javaAvailable, startDynamoDbLocal } from '../support/dynamodb-local';
import { ScriptedEcs } from '../support/scripted-ecs';
import { makeSession } from '../support/sessions';
import { describedEcho, ECHO_BASE } from '../support/task-definitions';

const CUSTOM = 'ghcr.io/lab/viz:2.1';
/** The app's deployed definition, as the stack registers it: revision 1 of its family. */
function seedBase(ecs: ScriptedEcs) {
  const base = describedEcho(1);
  ecs.definitions.set(base.taskDefinitionArn!, base);
}

// CI installs a Java runtime (.ci/run), so this suite must run there.
if (!javaAvailable() && process.env.CI)
  throw new Error('CI must run the registry against DynamoDB Local, but no Java runtime was found.');
const suite = javaAvailable() ? describe : describe.skip;

suite('TaskDefinitionRegistry: claims in DynamoDB Local, the scripted ECS', () => {
  let db: Awaited<ReturnType<typeof startDynamoDbLocal>>;
  let client: DynamoDBDocumentClient;
  let ecs: ScriptedEcs;
  let now: number;
  let table: string;
  let n = 0;
  /** The ECS runtime as api-write composes it, with the echo app's pinned base and this registry. */
  const ecsRuntime = (extra: { homesFileSystemId?: string; volumeAccessPoints?: Record<string, string> } = {}) =>
    new EcsRuntime(ecs.client, {
      cluster: 'sessions',
      subnets: ['subnet-a'],
      securityGroups: ['sg'],
      taskFamilyPrefix: 'sessionplane-',
      containerName: 'app',
      appNames: () => ['echo'],
      baseTaskDefinition: (app) => ({ echo: 'sessionplane-echo:1' })[app],
      registry: registry(),
      ...extra,
    });
  const registry = (extra: Partial<ConstructorParameters<typeof TaskDefinitionRegistry>[2]> = {}) =>
    new TaskDefinitionRegistry(ecs.client, client, {
      tableName: table,
      containerName: 'app',
      now: () => now,
      ...extra,
    });
  const registrations = () => ecs.mock.commandCalls(RegisterTaskDefinitionCommand);

  beforeAll(async () => {
    db = await startDynamoDbLocal();
    client = createDocumentClient({ endpoint: db.endpoint, region: 'local' });
  }, 90_000);
  afterAll(async () => {
    client?.destroy();
    await db?.close();
  });
  beforeEach(async () => {
    table = `registry${++n}`;
    await ensureSessionsTable(client, table);
    ecs = new ScriptedEcs();
    seedBase(ecs);
    now = Date.now();
  });

  it('registers one revision from the base, in its family, with only the image replaced and the registry tags', async () => {
    const arn = await registry().resolve('echo', 'sessionplane-echo:1', CUSTOM);
    expect(arn).toBe('arn:aws:ecs:eu-west-1:123456789012:task-definition/sessionplane-echo:2');
    expect(registrations()).toHaveLength(1);
    expect(registrations()[0]!.args[0].input).toEqual({
      ...ECHO_BASE,
      containerDefinitions: [{ ...ECHO_BASE.containerDefinitions[0], image: CUSTOM }],
      tags: [
        { key: 'sessionplane:app', value: 'echo' },
        { key: 'sessionplane:registry', value: 'image' },
      ],
    });
    // Reused: a second launch registers nothing.
    expect(await registry().resolve('echo', 'sessionplane-echo:1', CUSTOM)).toBe(arn);
    expect(registrations()).toHaveLength(1);
  });

  it("50 concurrent first launches (separate processes' registries) register exactly once and all get its ARN", async () => {
    ecs.registerDelayMs = 300;
    const arns = await Promise.all(
      Array.from({ length: 50 }, () => registry().resolve('echo', 'sessionplane-echo:1', CUSTOM)),
    );
    expect(registrations()).toHaveLength(1);
    expect(new Set(arns)).toEqual(new Set(['arn:aws:ecs:eu-west-1:123456789012:task-definition/sessionplane-echo:2']));
  });

  it('another image, or another base revision (a redeploy), is another key and another registration', async () => {
    const redeployed = describedEcho(9);
    ecs.definitions.set(redeployed.taskDefinitionArn!, redeployed);
    const a = await registry().resolve('echo', 'sessionplane-echo:1', CUSTOM);
    const b = await registry().resolve('echo', 'sessionplane-echo:1', `${CUSTOM}-beta`);
    const c = await registry().resolve('echo', 'sessionplane-echo:9', CUSTOM);
    expect(new Set([a, b, c]).size).toBe(3);
    expect(registrations()).toHaveLength(3);
  });

  it('a failed registration leaves no claim: the next launch registers at once', async () => {
    ecs.throttleNext = 2; // DescribeTaskDefinition and nothing else: the mock answers below the SDK's retries
    await expect(registry().resolve('echo', 'sessionplane-echo:1', CUSTOM)).rejects.toBeInstanceOf(CapacityError);
    const key = TaskDefinitionRegistry.keyOf('sessionplane-echo:1', CUSTOM);
    expect((await client.send(new GetCommand({ TableName: table, Key: { id: key } }))).Item).toBeUndefined();
    ecs.throttleNext = 0;
    await expect(registry().resolve('echo', 'sessionplane-echo:1', CUSTOM)).resolves.toMatch(/sessionplane-echo:2$/);
  });

  it('a claim whose holder died is taken over after the claim timeout, not before', async () => {
    const key = TaskDefinitionRegistry.keyOf('sessionplane-echo:1', CUSTOM);
    // A holder that claimed and never finished (its Lambda timed out).
    const { PutCommand } = await import('@aws-sdk/lib-dynamodb');
    await client.send(
      new PutCommand({
        TableName: table,
        Item: { id: key, state: 'claimed', claimant: 'dead', claimedAt: now, createdAt: now, liveShard: 'taskdef' },
      }),
    );
    const waiting = registry({ claimTimeoutMs: 400 }).resolve('echo', 'sessionplane-echo:1', CUSTOM);
    // The waiter's own clock passes the timeout only after this.
    await new Promise((r) => setTimeout(r, 200));
    expect(registrations()).toHaveLength(0);
    now += 1000;
    await expect(waiting).resolves.toMatch(/sessionplane-echo:2$/);
    expect(registrations()).toHaveLength(1);
  });

  it('the reaper deregisters revisions unused for the configured time, a few a pass, and keeps the rest', async () => {
    const r = registry({ unusedAfterMs: 10_000, touchEveryMs: 1000 });
    const old = await r.resolve('echo', 'sessionplane-echo:1', `${CUSTOM}-a`);
    const old2 = await r.resolve('echo', 'sessionplane-echo:1', `${CUSTOM}-b`);
    const used = await r.resolve('echo', 'sessionplane-echo:1', `${CUSTOM}-c`);
    now += 9000;
    await r.resolve('echo', 'sessionplane-echo:1', `${CUSTOM}-c`); // launched again: its last use moves
    now += 2000;
    expect((await r.pruneUnused(1, 0)).deregistered).toEqual([expect.stringMatching(/sessionplane-echo:[23]$/)]);
    const second = await r.pruneUnused(5, 0);
    expect(second.deregistered).toHaveLength(1);
    const deregistered = ecs.mock
      .commandCalls(DeregisterTaskDefinitionCommand)
      .map((c) => c.args[0].input.taskDefinition);
    expect(new Set(deregistered)).toEqual(new Set([old, old2]));
    expect(ecs.definitions.get(used)!.status).toBe('ACTIVE');
    expect((await r.pruneUnused(5, 0)).deregistered).toEqual([]);
    // A deregistered image launched again gets a fresh revision.
    await expect(r.resolve('echo', 'sessionplane-echo:1', `${CUSTOM}-a`)).resolves.toMatch(/sessionplane-echo:5$/);
  });

  it("EcsRuntime: a custom-image launch runs the registry revision; a default launch the pinned base, never the family's latest", async () => {
    const runtime = ecsRuntime();
    const app = {
      ...fixtureApp([]),
      name: 'echo',
      image: 'ghcr.io/sessionplane/echo:1',
      customImage: true,
      command: [],
    };
    const custom = makeSession({ app: 'echo', image: CUSTOM });
    await runtime.start({ session: custom, app, secret: 's' });
    await runtime.start({ session: makeSession({ app: 'echo' }), app, secret: 's' });
    await runtime.start({ session: makeSession({ app: 'echo', image: app.image }), app, secret: 's' });
    const runs = ecs.mock.commandCalls(RunTaskCommand).map((c) => c.args[0].input.taskDefinition);
    expect(runs).toEqual([
      'arn:aws:ecs:eu-west-1:123456789012:task-definition/sessionplane-echo:2',
      'sessionplane-echo:1',
      'sessionplane-echo:1',
    ]);
    // The custom task is in the app's family, so the orphan sweep (ListTasks by family) finds it.
    expect((await runtime.list()).map((i) => i.sessionId)).toContain(custom.id);
  });

  it("EcsRuntime: a home app's launch runs a revision that mounts the user's access point; the user's next launch reuses it", async () => {
    const runtime = ecsRuntime({ homesFileSystemId: 'fs-0123456789abcdef0' });
    const app = {
      ...fixtureApp([]),
      name: 'echo',
      image: 'ghcr.io/sessionplane/echo:1',
      command: [],
      home: '/home/user',
    };
    const home = (accessPointId: string) => ({
      home: { owner: 'alice', uid: 200001, gid: 200001, accessPointId },
      mountPath: '/home/user',
    });
    await runtime.start({ session: makeSession({ app: 'echo' }), app, secret: 's', home: home('fsap-alice') });
    await runtime.start({ session: makeSession({ app: 'echo' }), app, secret: 's', home: home('fsap-alice') });
    await runtime.start({
      session: makeSession({ app: 'echo', owner: 'bob' }),
      app,
      secret: 's',
      home: home('fsap-bob'),
    });
    const runs = ecs.mock.commandCalls(RunTaskCommand).map((c) => c.args[0].input);
    expect(runs.map((r) => r.taskDefinition)).toEqual([
      'arn:aws:ecs:eu-west-1:123456789012:task-definition/sessionplane-echo:2',
      'arn:aws:ecs:eu-west-1:123456789012:task-definition/sessionplane-echo:2',
      'arn:aws:ecs:eu-west-1:123456789012:task-definition/sessionplane-echo:3',
    ]);
    const registered = ecs.mock.commandCalls(RegisterTaskDefinitionCommand).map((c) => c.args[0].input);
    expect(registered).toHaveLength(2);
    expect(registered[0]!.volumes).toEqual([
      {
        name: 'sessionplane-home',
        efsVolumeConfiguration: {
          fileSystemId: 'fs-0123456789abcdef0',
          transitEncryption: 'ENABLED',
          authorizationConfig: { accessPointId: 'fsap-alice', iam: 'ENABLED' },
        },
      },
    ]);
    expect(registered[0]!.containerDefinitions![0]!.mountPoints).toEqual([
      { sourceVolume: 'sessionplane-home', containerPath: '/home/user', readOnly: false },
    ]);
    // The task is told where its home is.
    expect(runs[0]!.overrides!.containerOverrides![0]!.environment).toContainEqual({
      name: 'TRAME_USER_DATA',
      value: '/home/user',
    });
  });

  it("EcsRuntime: a member's launch runs a revision with the group volume through its access point (ro as the volume says); a non-member's the base", async () => {
    const runtime = ecsRuntime({
      homesFileSystemId: 'fs-0123456789abcdef0',
      volumeAccessPoints: { survey: 'fsap-0survey0', archive: 'fsap-0archive0' },
    });
    const app = { ...fixtureApp([]), name: 'echo', image: 'ghcr.io/sessionplane/echo:1', command: [] };
    const survey = { name: 'survey', mountPath: '/data/survey', readOnly: false };
    const archive = { name: 'archive', mountPath: '/data/archive', readOnly: true };
    await runtime.start({ session: makeSession({ app: 'echo' }), app, secret: 's', volumes: [survey, archive] });
    await runtime.start({ session: makeSession({ app: 'echo' }), app, secret: 's', volumes: [survey, archive] });
    await runtime.start({ session: makeSession({ app: 'echo' }), app, secret: 's' });
    await runtime.start({ session: makeSession({ app: 'echo' }), app, secret: 's', volumes: [archive] });
    const runs = ecs.mock.commandCalls(RunTaskCommand).map((c) => c.args[0].input.taskDefinition);
    expect(runs).toEqual([
      'arn:aws:ecs:eu-west-1:123456789012:task-definition/sessionplane-echo:2',
      'arn:aws:ecs:eu-west-1:123456789012:task-definition/sessionplane-echo:2',
      'sessionplane-echo:1',
      'arn:aws:ecs:eu-west-1:123456789012:task-definition/sessionplane-echo:3',
    ]);
    const registered = ecs.mock.commandCalls(RegisterTaskDefinitionCommand).map((c) => c.args[0].input);
    expect(registered).toHaveLength(2);
    expect(registered[0]!.volumes).toEqual(
      [
        ['sessionplane-volume-survey', 'fsap-0survey0'],
        ['sessionplane-volume-archive', 'fsap-0archive0'],
      ].map(([name, accessPointId]) => ({
        name,
        efsVolumeConfiguration: {
          fileSystemId: 'fs-0123456789abcdef0',
          transitEncryption: 'ENABLED',
          authorizationConfig: { accessPointId, iam: 'ENABLED' },
        },
      })),
    );
    expect(registered[0]!.containerDefinitions![0]!.mountPoints).toEqual([
      { sourceVolume: 'sessionplane-volume-survey', containerPath: '/data/survey', readOnly: false },
      { sourceVolume: 'sessionplane-volume-archive', containerPath: '/data/archive', readOnly: true },
    ]);
    // A volume the stack made no access point for is a failed start, never a task without it.
    await expect(
      runtime.start({
        session: makeSession({ app: 'echo' }),
        app,
        secret: 's',
        volumes: [{ name: 'other', mountPath: '/data/other', readOnly: true }],
      }),
    ).rejects.toThrow(/no access point for the volume other/);
  });

  it("EcsRuntime: a session given a group-held secret runs a revision whose container reads it (ECS's secrets); others the base", async () => {
    const runtime = ecsRuntime();
    const licence = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:lab-licence-AbCdEf';
    const app = {
      ...fixtureApp([]),
      name: 'echo',
      image: 'ghcr.io/sessionplane/echo:1',
      command: [],
      secrets: { LICENCE: licence },
      secretGroups: { LICENCE: ['lab'] },
    };
    await runtime.start({ session: makeSession({ app: 'echo', groupSecrets: ['LICENCE'] }), app, secret: 's' });
    await runtime.start({ session: makeSession({ app: 'echo' }), app, secret: 's' });
    const runs = ecs.mock.commandCalls(RunTaskCommand).map((c) => c.args[0].input);
    expect(runs.map((r) => r.taskDefinition)).toEqual([
      'arn:aws:ecs:eu-west-1:123456789012:task-definition/sessionplane-echo:2',
      'sessionplane-echo:1',
    ]);
    const [registered] = ecs.mock.commandCalls(RegisterTaskDefinitionCommand).map((c) => c.args[0].input);
    expect(registered!.containerDefinitions![0]!.secrets).toEqual([{ name: 'LICENCE', valueFrom: licence }]);
    // Never as a value in the overrides.
    expect(JSON.stringify(runs)).not.toContain('LICENCE');
  });
});
