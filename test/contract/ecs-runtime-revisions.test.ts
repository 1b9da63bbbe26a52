import { RegisterTaskDefinitionCommand, RunTaskCommand } from '@aws-sdk/client-ecs';
import { expect, it } from 'vitest';
import { fixtureApp } from '../support/apps';
import { CUSTOM, registrySuite, registryWorld } from '../support/registry-world';
import { makeSession } from '../support/sessions';

/* The ECS runtime's launches and the registry's revisions: which task definition each kind of launch runs. */
registrySuite('EcsRuntime launches in registry revisions: claims in DynamoDB Local, the scripted ECS', () => {
  const w = registryWorld();

  it("EcsRuntime: a custom-image launch runs the registry revision; a default launch the pinned base, never the family's latest", async () => {
    const runtime = w.ecsRuntime();
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
    const runs = w.ecs.mock.commandCalls(RunTaskCommand).map((c) => c.args[0].input.taskDefinition);
    expect(runs).toEqual([
      'arn:aws:ecs:eu-west-1:123456789012:task-definition/sessionplane-echo:2',
      'sessionplane-echo:1',
      'sessionplane-echo:1',
    ]);
    // The custom task is in the app's family, so the orphan sweep (ListTasks by family) finds it.
    expect((await runtime.list()).map((i) => i.sessionId)).toContain(custom.id);
  });

  it("EcsRuntime: a home app's launch runs a revision that mounts the user's access point; the user's next launch reuses it", async () => {
    const runtime = w.ecsRuntime({ homesFileSystemId: 'fs-0123456789abcdef0' });
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
    const runs = w.ecs.mock.commandCalls(RunTaskCommand).map((c) => c.args[0].input);
    expect(runs.map((r) => r.taskDefinition)).toEqual([
      'arn:aws:ecs:eu-west-1:123456789012:task-definition/sessionplane-echo:2',
      'arn:aws:ecs:eu-west-1:123456789012:task-definition/sessionplane-echo:2',
      'arn:aws:ecs:eu-west-1:123456789012:task-definition/sessionplane-echo:3',
    ]);
    const registered = w.ecs.mock.commandCalls(RegisterTaskDefinitionCommand).map((c) => c.args[0].input);
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
    const runtime = w.ecsRuntime({
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
    const runs = w.ecs.mock.commandCalls(RunTaskCommand).map((c) => c.args[0].input.taskDefinition);
    expect(runs).toEqual([
      'arn:aws:ecs:eu-west-1:123456789012:task-definition/sessionplane-echo:2',
      'arn:aws:ecs:eu-west-1:123456789012:task-definition/sessionplane-echo:2',
      'sessionplane-echo:1',
      'arn:aws:ecs:eu-west-1:123456789012:task-definition/sessionplane-echo:3',
    ]);
    const registered = w.ecs.mock.commandCalls(RegisterTaskDefinitionCommand).map((c) => c.args[0].input);
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
    const runtime = w.ecsRuntime();
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
    const runs = w.ecs.mock.commandCalls(RunTaskCommand).map((c) => c.args[0].input);
    expect(runs.map((r) => r.taskDefinition)).toEqual([
      'arn:aws:ecs:eu-west-1:123456789012:task-definition/sessionplane-echo:2',
      'sessionplane-echo:1',
    ]);
    const [registered] = w.ecs.mock.commandCalls(RegisterTaskDefinitionCommand).map((c) => c.args[0].input);
    expect(registered!.containerDefinitions![0]!.secrets).toEqual([{ name: 'LICENCE', valueFrom: licence }]);
    // Never as a value in the overrides.
    expect(JSON.stringify(runs)).not.toContain('LICENCE');
  });
});
