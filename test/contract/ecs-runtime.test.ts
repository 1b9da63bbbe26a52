import { DescribeTasksCommand, ListTasksCommand, RunTaskCommand, StopTaskCommand } from '@aws-sdk/client-ecs';
import { beforeEach, describe, expect, it } from 'vitest';
import { EcsRuntime } from '../../shared/adapters/runtime/ecs/ecs-runtime';
import { fargateTaskSize } from '../../shared/adapters/runtime/ecs/fargate-sizes';
import { CapacityError, RuntimeStartError } from '../../shared/domain/errors';
import { fixtureApp } from '../support/apps';
import { ScriptedEcs } from '../support/scripted-ecs';
import { makeSession } from '../support/sessions';

const web = {
  ...fixtureApp([], { port: 8888, env: { MODE_DEFAULT: 'x' } }),
  name: 'web',
  command: [
    'jupyter',
    'lab',
    '--ip',
    '${host}',
    '--port',
    '${port}',
    '--NotebookApp.token=${secret}',
    '--title=${TITLE}',
  ],
};
const spot = { ...fixtureApp([], { capacity: 'FARGATE_SPOT' }), name: 'spot', command: [] };
const gpu = { ...fixtureApp([], { port: 9000 }), name: 'gpu', command: [] };

describe('EcsRuntime against a scripted ECS', () => {
  let ecs: ScriptedEcs;
  let runtime: EcsRuntime;
  let now: number;
  const make = (extra: Partial<ConstructorParameters<typeof EcsRuntime>[1]> = {}) =>
    new EcsRuntime(ecs.client, {
      cluster: 'sessions',
      subnets: ['subnet-a', 'subnet-b'],
      securityGroups: ['sg-sessions'],
      taskFamilyPrefix: 'sessionplane-',
      containerName: 'app',
      gpuCapacityProvider: 'sessionplane-gpu',
      appNames: () => ['web', 'spot', 'gpu'],
      now: () => now,
      ...extra,
    });

  beforeEach(() => {
    ecs = new ScriptedEcs();
    now = 1_000_000;
    runtime = make();
  });

  it('sends RunTask with the session as clientToken, startedBy and tags, env, command and a Fargate size', async () => {
    const session = makeSession({
      owner: 'alice',
      params: { TITLE: 'My viz' },
      resources: { cpu: 0.25, memory: 300, gpus: 0 },
    });
    const activityUrl = `https://api.example.org/sessions/${session.id}/activity`;
    const { runtimeId } = await runtime.start({ session, app: web, secret: 'sek', activityUrl });
    expect(runtimeId).toMatch(/^arn:aws:ecs:.*:task\/sessions\//);
    expect(ecs.mock.commandCalls(RunTaskCommand)[0]!.args[0].input).toEqual({
      cluster: 'sessions',
      taskDefinition: 'sessionplane-web',
      count: 1,
      clientToken: session.id,
      startedBy: `sp-${session.id}`,
      capacityProviderStrategy: [{ capacityProvider: 'FARGATE', weight: 1 }],
      networkConfiguration: {
        awsvpcConfiguration: {
          subnets: ['subnet-a', 'subnet-b'],
          securityGroups: ['sg-sessions'],
          assignPublicIp: 'DISABLED',
        },
      },
      overrides: {
        cpu: '256',
        memory: '512',
        containerOverrides: [
          {
            name: 'app',
            environment: [
              { name: 'MODE_DEFAULT', value: 'x' },
              { name: 'TITLE', value: 'My viz' },
              { name: 'PORT', value: '8888' },
              { name: 'SESSION_ID', value: session.id },
              { name: 'SESSION_SECRET', value: 'sek' },
              { name: 'SESSION_BASE_PATH', value: `/s/${session.id}/` },
              { name: 'SESSION_USER', value: 'alice' },
              { name: 'JPY_USER', value: 'alice' },
              { name: 'USER', value: 'alice' },
              { name: 'URL_ID', value: session.id },
              { name: 'JPY_BASE_USER_URL', value: `/s/${session.id}/` },
              { name: 'SESSION_ACTIVITY_URL', value: activityUrl },
              { name: 'CPU_LIMIT', value: '0.25' },
              { name: 'MEM_LIMIT', value: String(300 * 1024 * 1024) },
              { name: 'HOST', value: '0.0.0.0' },
            ],
            command: [
              'jupyter',
              'lab',
              '--ip',
              '0.0.0.0',
              '--port',
              '8888',
              '--NotebookApp.token=sek',
              '--title=My viz',
            ],
          },
        ],
      },
      enableECSManagedTags: true,
      tags: [
        { key: 'sessionplane:session', value: session.id },
        { key: 'sessionplane:owner', value: 'alice' },
        { key: 'sessionplane:app', value: 'web' },
        { key: 'sessionplane:port', value: '8888' },
      ],
    });
    expect(`sp-${session.id}`.length).toBeLessThanOrEqual(36);
  });

  it('uses Fargate Spot when the app asks, and the GPU capacity provider with a GPU requirement for gpus > 0', async () => {
    await runtime.start({ session: makeSession(), app: spot, secret: 's' });
    await runtime.start({
      session: makeSession({ resources: { cpu: 4, memory: 16384, gpus: 1 } }),
      app: gpu,
      secret: 's',
    });
    const [spotCall, gpuCall] = ecs.mock.commandCalls(RunTaskCommand).map((c) => c.args[0].input);
    expect(spotCall!.capacityProviderStrategy).toEqual([{ capacityProvider: 'FARGATE_SPOT', weight: 1 }]);
    expect(gpuCall!.capacityProviderStrategy).toEqual([{ capacityProvider: 'sessionplane-gpu', weight: 1 }]);
    expect(gpuCall!.overrides).toMatchObject({
      cpu: '4096',
      memory: '16384',
      containerOverrides: [{ resourceRequirements: [{ type: 'GPU', value: '1' }] }],
    });
    expect(gpuCall!.overrides!.containerOverrides![0]!.command).toBeUndefined(); // the image's own entrypoint
  });

  it.each([1024, 4096, 16384])(
    'sizes a GPU task of %s MiB with its container reservation no larger than the task, whatever the app default',
    async (memory) => {
      await runtime.start({ session: makeSession({ resources: { cpu: 2, memory, gpus: 1 } }), app: gpu, secret: 's' });
      const { overrides } = ecs.mock.commandCalls(RunTaskCommand)[0]!.args[0].input;
      expect(overrides).toMatchObject({ memory: String(memory), containerOverrides: [{ memoryReservation: memory }] });
    },
  );

  it('refuses a size no Fargate task has before calling ECS, and a GPU app without a GPU provider', async () => {
    await expect(
      runtime.start({ session: makeSession({ resources: { cpu: 64, memory: 1024, gpus: 0 } }), app: web, secret: 's' }),
    ).rejects.toBeInstanceOf(RuntimeStartError);
    await expect(
      make({ gpuCapacityProvider: undefined }).start({
        session: makeSession({ resources: { cpu: 1, memory: 2048, gpus: 1 } }),
        app: gpu,
        secret: 's',
      }),
    ).rejects.toMatchObject({ details: { reason: 'RESOURCE:GPU' } });
    expect(ecs.mock.commandCalls(RunTaskCommand)).toHaveLength(0);
  });

  it.each<[number, number, { cpu: number; memory: number }]>([
    [0.25, 256, { cpu: 256, memory: 512 }],
    [0.5, 3000, { cpu: 512, memory: 3072 }],
    [1, 9000, { cpu: 2048, memory: 9216 }],
    [4, 30720, { cpu: 4096, memory: 30720 }],
    [4, 30721, { cpu: 8192, memory: 32768 }],
    [16, 122880, { cpu: 16384, memory: 122880 }],
  ])('rounds %s vCPU / %s MiB up to the Fargate size %o', (cpu, memory, size) => {
    expect(fargateTaskSize(cpu, memory)).toEqual(size);
  });

  it('turns failures[] into a RuntimeStartError carrying the reason, and one of capacity into "not now" (queued)', async () => {
    ecs.failNextRun = 'MISSING';
    const error = await runtime.start({ session: makeSession(), app: web, secret: 's' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RuntimeStartError);
    expect(error).toMatchObject({ details: { reason: 'MISSING' }, message: expect.stringContaining('MISSING') });
    for (const reason of [
      'RESOURCE:GPU',
      'Capacity is unavailable at this time. Please try again later or in a different availability zone',
      // The account's Fargate vCPU quota (#40's scale simulator: a rush over it was refused, not queued).
      "You've reached the limit on the number of vCPUs you can run concurrently",
      "You've reached the limit on the number of tasks you can run concurrently",
    ]) {
      ecs.failNextRun = reason;
      const busy = await runtime.start({ session: makeSession(), app: web, secret: 's' }).catch((e: unknown) => e);
      expect(busy).toBeInstanceOf(CapacityError);
      expect(busy).toMatchObject({ retryAfterSeconds: 30, message: expect.stringContaining(reason) });
    }
  });

  it('turns a throttle the SDK could not ride out into a busy error (503, Retry-After)', async () => {
    ecs.throttleNext = 1; // the scripted client answers at send(), below the SDK's retries
    const error = await runtime.start({ session: makeSession(), app: web, secret: 's' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CapacityError);
    expect((error as CapacityError).retryAfterSeconds).toBe(5);
    expect((error as CapacityError).message).toContain('ECS RunTask is busy: ThrottlingException');
  });

  it('gives back the existing task when the clientToken was already used', async () => {
    const session = makeSession();
    const first = await runtime.start({ session, app: web, secret: 's' });
    const retried = await runtime.start({ session, app: web, secret: 'other' }); // different overrides: ConflictException
    expect(retried.runtimeId).toBe(first.runtimeId);
    expect(ecs.tasks.size).toBe(1);
  });

  it('reads phase, private IP and port, and treats a task missing just after RunTask as starting', async () => {
    ecs.missingUntilTick = true;
    const { runtimeId } = await runtime.start({ session: makeSession(), app: web, secret: 's' });
    expect(await runtime.inspect(runtimeId, { startedAt: now - 5_000 })).toEqual({ phase: 'starting' });
    expect(await runtime.inspect(runtimeId, { startedAt: now - 120_000 })).toEqual({
      phase: 'stopped',
      exit: { reason: 'lost' },
    });
    ecs.tick();
    expect(await runtime.inspect(runtimeId)).toEqual({ phase: 'starting', endpoint: '10.0.1.10:8888' });
    ecs.tick();
    expect(await runtime.inspect(runtimeId)).toEqual({ phase: 'running', endpoint: '10.0.1.10:8888' });
    expect(ecs.mock.commandCalls(DescribeTasksCommand)[0]!.args[0].input).toEqual({
      cluster: 'sessions',
      tasks: [runtimeId],
      include: ['TAGS'],
    });
    ecs.exit(runtimeId, 137, 'OutOfMemoryError: Container killed due to memory usage');
    expect(await runtime.inspect(runtimeId)).toMatchObject({
      phase: 'stopped',
      exit: {
        code: 137,
        reason: 'EssentialContainerExited: OutOfMemoryError: Container killed due to memory usage (exit code 137)',
      },
    });
  });

  it('stops idempotently: StopTask with a reason; unknown tasks count as stopped', async () => {
    const { runtimeId } = await runtime.start({ session: makeSession(), app: web, secret: 's' });
    expect(await runtime.stop(runtimeId, 'idle')).toEqual({ confirmed: false }); // ECS stops asynchronously
    expect(ecs.mock.commandCalls(StopTaskCommand)[0]!.args[0].input).toEqual({
      cluster: 'sessions',
      task: runtimeId,
      reason: 'sessionplane: idle',
    });
    ecs.tick();
    expect(await runtime.stop(runtimeId, 'idle')).toEqual({ confirmed: true });
    expect(await runtime.stop('arn:aws:ecs:eu-west-1:123456789012:task/sessions/unknown', 'user')).toEqual({
      confirmed: true,
    });
  });

  it('lists our tasks of every app family, page by page, and ignores tasks it did not start', async () => {
    const sessions = [makeSession(), makeSession(), makeSession(), makeSession()];
    for (const s of sessions.slice(0, 3)) await runtime.start({ session: s, app: web, secret: 's' });
    await runtime.start({ session: sessions[3]!, app: spot, secret: 's' });
    const foreign = (
      await ecs.client.send(
        new RunTaskCommand({ cluster: 'sessions', taskDefinition: 'sessionplane-web', startedBy: 'someone-else' }),
      )
    ).tasks![0]!;
    const listed = await runtime.list();
    expect(listed.map((i) => i.sessionId).sort()).toEqual(sessions.map((s) => s.id).sort());
    expect(listed.map((i) => i.runtimeId)).not.toContain(foreign.taskArn);
    const families = ecs.mock
      .commandCalls(ListTasksCommand)
      .map((c) => [c.args[0].input.family, c.args[0].input.nextToken]);
    expect(families).toEqual([
      ['sessionplane-web', undefined],
      ['sessionplane-web', '2'],
      ['sessionplane-spot', undefined],
      ['sessionplane-gpu', undefined],
    ]);
    // The next listing describes only the tasks that are new since (#40); a stopped one is no longer listed.
    const described = () => ecs.mock.commandCalls(DescribeTasksCommand).flatMap((c) => c.args[0].input.tasks ?? []);
    const before = described().length;
    const later = makeSession();
    await runtime.start({ session: later, app: web, secret: 's' });
    await runtime.stop(listed[0]!.runtimeId, 'user');
    ecs.tick();
    const again = await runtime.list();
    expect(described().slice(before)).toHaveLength(1);
    expect(again.map((i) => i.sessionId).sort()).toEqual(
      [...sessions.map((s) => s.id).filter((id) => id !== listed[0]!.sessionId), later.id].sort(),
    );
  });
});
