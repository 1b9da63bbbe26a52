import { CreateFileSystemCommand, DescribeAccessPointsCommand, EFSClient } from '@aws-sdk/client-efs';
import {
  DescribeTaskDefinitionCommand,
  ListTaskDefinitionsCommand,
  RegisterTaskDefinitionCommand,
  type ECSClient,
} from '@aws-sdk/client-ecs';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createDocumentClient } from '../../shared/adapters/dynamodb/dynamodb-client';
import { ensureSessionsTable } from '../../shared/adapters/dynamodb/dynamodb-table';
import { startEmbeddedDynamoDb } from '../../shared/adapters/dynamodb/embedded-dynamodb';
import { DynamoDbUserIds } from '../../shared/adapters/dynamodb/dynamodb-user-ids';
import { EfsHomes } from '../../shared/adapters/homes/efs-homes';
import { createEcsClient } from '../../shared/adapters/runtime/ecs/ecs-client';
import { TaskDefinitionRegistry } from '../../shared/adapters/runtime/ecs/task-definition-registry';
import { homeName } from '../../shared/domain/homes';
import { javaAvailable, startDynamoDbLocal } from '../support/dynamodb-local';
import { motoDescribe, startMoto } from '../support/moto';
import { ECHO_BASE } from '../support/task-definitions';
import { homesContract } from './homes.contract';

/*
 * A first launch of a home app on AWS: the user's access point (EFS, against moto) and the task
 * definition revision that mounts it (ECS, against moto), under 20 concurrent first launches. The
 * claims are in DynamoDB Local (dynalite where no Java runtime is installed; CI has one): moto's
 * DynamoDB does not apply conditional writes atomically, and moto's CreateAccessPoint ignores the
 * client token (AWS's idempotency), so only our claim keeps it to one here.
 */

const suite = motoDescribe();

suite('EFS homes and their task definitions against moto, 20 first launches at once', () => {
  let moto: Awaited<ReturnType<typeof startMoto>>;
  let store: { endpoint: string; close(): Promise<void> };
  let efs: EFSClient;
  let ecs: ECSClient;
  let db: DynamoDBDocumentClient;
  let fileSystemId: string;
  let base: string;

  beforeAll(async () => {
    [moto, store] = await Promise.all([startMoto(), javaAvailable() ? startDynamoDbLocal() : startEmbeddedDynamoDb()]);
    const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
    efs = new EFSClient({ region: 'eu-west-1', endpoint: moto.endpoint, credentials });
    ecs = createEcsClient({ region: 'eu-west-1', endpoint: moto.endpoint });
    db = createDocumentClient({ endpoint: store.endpoint, region: 'local' });
    await ensureSessionsTable(db, 'sessions');
    fileSystemId = (await efs.send(new CreateFileSystemCommand({ CreationToken: 'homes', Encrypted: true })))
      .FileSystemId!;
    const { taskDefinition } = await ecs.send(new RegisterTaskDefinitionCommand(ECHO_BASE));
    base = `sessionplane-echo:${taskDefinition!.revision}`;
  }, 90_000);
  afterAll(async () => {
    efs?.destroy();
    ecs?.destroy();
    db?.destroy();
    await Promise.all([moto?.close(), store?.close()]);
  });

  it('makes exactly one access point (the user as POSIX user, a 0700 root of their own) and one revision that mounts it', async () => {
    const firstLaunch = async () => {
      const homes = new EfsHomes(efs, new DynamoDbUserIds(db, 'sessions'), { fileSystemId });
      const home = await homes.ensure('alice@example.org');
      const registry = new TaskDefinitionRegistry(ecs, db, { tableName: 'sessions', containerName: 'app' });
      const arn = await registry.resolve('echo', base, {
        home: { fileSystemId, accessPointId: home.accessPointId!, mountPath: '/home/user' },
      });
      return { home, arn };
    };
    const launches = await Promise.all(Array.from({ length: 20 }, firstLaunch));

    const { AccessPoints } = await efs.send(new DescribeAccessPointsCommand({ FileSystemId: fileSystemId }));
    expect(AccessPoints).toHaveLength(1);
    const ap = AccessPoints![0]!;
    const { uid, gid } = launches[0]!.home;
    expect(new Set(launches.map((l) => l.home.accessPointId))).toEqual(new Set([ap.AccessPointId]));
    expect(new Set(launches.map((l) => l.home.uid)).size).toBe(1);
    expect(ap.PosixUser).toMatchObject({ Uid: uid, Gid: gid });
    expect(ap.RootDirectory).toEqual({
      Path: `/homes/${homeName('alice@example.org')}`,
      CreationInfo: { OwnerUid: uid, OwnerGid: gid, Permissions: '0700' },
    });
    expect(ap.Tags).toContainEqual({ Key: 'sessionplane:owner', Value: 'alice@example.org' });

    const arns = new Set(launches.map((l) => l.arn));
    expect(arns.size).toBe(1);
    const { taskDefinitionArns } = await ecs.send(
      new ListTaskDefinitionsCommand({ familyPrefix: 'sessionplane-echo' }),
    );
    expect(taskDefinitionArns).toHaveLength(2); // the base and the one revision
    const { taskDefinition: made } = await ecs.send(
      new DescribeTaskDefinitionCommand({ taskDefinition: [...arns][0]! }),
    );
    expect(made!.volumes).toMatchObject([
      {
        name: 'sessionplane-home',
        efsVolumeConfiguration: {
          fileSystemId,
          transitEncryption: 'ENABLED',
          authorizationConfig: { accessPointId: ap.AccessPointId, iam: 'ENABLED' },
        },
      },
    ]);
    expect(made!.containerDefinitions![0]!.mountPoints).toEqual([
      { sourceVolume: 'sessionplane-home', containerPath: '/home/user', readOnly: false },
    ]);
    expect(made!.containerDefinitions![0]!.image).toBe(ECHO_BASE.containerDefinitions[0]!.image);
  });

  it("gives another user an access point of their own, and a second launch of alice's reuses hers", async () => {
    const homes = new EfsHomes(efs, new DynamoDbUserIds(db, 'sessions'), { fileSystemId });
    const [alice, bob] = await Promise.all([homes.ensure('alice@example.org'), homes.ensure('bob')]);
    expect(bob.accessPointId).not.toBe(alice.accessPointId);
    expect(bob.uid).not.toBe(alice.uid);
    const { AccessPoints } = await efs.send(new DescribeAccessPointsCommand({ FileSystemId: fileSystemId }));
    expect(AccessPoints).toHaveLength(2);
    expect((await homes.list()).map((h) => h.owner).sort()).toEqual(['alice@example.org', 'bob']);
  });

  // The port's own contract, as FolderHomes runs it (homes.test.ts), on EFS access points.
  homesContract('EfsHomes (AWS)', () => new EfsHomes(efs, new DynamoDbUserIds(db, 'sessions'), { fileSystemId }));
});
