import { createHash, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { CreateAccessPointCommand, DescribeAccessPointsCommand, type EFSClient } from '@aws-sdk/client-efs';
import { CapacityError, RuntimeStartError } from '../../domain/errors';
import { homeName, type Home, type HomeInfo } from '../../domain/homes';
import type { Homes } from '../../ports/homes';
import { busyIfThrottled } from '../aws/aws-busy';
import type { DynamoDbUserIds } from '../dynamodb/dynamodb-user-ids';

export interface EfsHomesOptions {
  fileSystemId: string;
  /** A claim older than this without an access point is taken over (its holder died). */
  claimTimeoutMs?: number;
  now?: () => number;
}

/**
 * Homes on AWS: one EFS access point per user on the stack's file system, made on their first
 * launch: POSIX user = their uid/gid, root `/homes/<home name>` created 0700 for them. Exactly one
 * per user however many first launches race: a conditional claim on the user's item in the table
 * picks who creates it (with a client token derived from the owner, so a retried create is the same
 * create), the others wait for its id there.
 */
export class EfsHomes implements Homes {
  private readonly claimTimeoutMs: number;
  private readonly now: () => number;

  constructor(
    private readonly efs: EFSClient,
    private readonly ids: DynamoDbUserIds,
    private readonly options: EfsHomesOptions,
  ) {
    this.claimTimeoutMs = options.claimTimeoutMs ?? 30_000;
    this.now = options.now ?? Date.now;
  }

  async ensure(owner: string): Promise<Home> {
    const deadline = this.now() + 2 * this.claimTimeoutMs;
    let user = await this.ids.ensure(owner);
    for (let wait = 50; !user.accessPointId; wait = Math.min(wait * 2, 1000)) {
      if (await this.ids.claimAccessPoint(owner, randomUUID(), this.now(), this.claimTimeoutMs)) {
        const accessPointId = await this.create(user);
        return { ...user, accessPointId: await this.ids.setAccessPoint(owner, accessPointId) };
      }
      if (this.now() > deadline) throw new CapacityError(`The home of ${owner} is still being made.`, 5);
      await sleep(wait);
      user = (await this.ids.get(owner)) ?? user;
    }
    return user;
  }

  list(): Promise<HomeInfo[]> {
    return this.ids.list();
  }

  private async create(user: Home): Promise<string> {
    const name = homeName(user.owner);
    const created = await busyIfThrottled(
      'EFS CreateAccessPoint',
      this.efs.send(
        new CreateAccessPointCommand({
          ClientToken: createHash('sha256').update(user.owner).digest('hex'),
          FileSystemId: this.options.fileSystemId,
          PosixUser: { Uid: user.uid, Gid: user.gid },
          RootDirectory: {
            Path: `/homes/${name}`,
            CreationInfo: { OwnerUid: user.uid, OwnerGid: user.gid, Permissions: '0700' },
          },
          Tags: [
            { Key: 'Name', Value: `home ${name}`.slice(0, 256) },
            { Key: 'sessionplane:owner', Value: user.owner.slice(0, 256) },
          ],
        }),
      ),
    ).catch((error: unknown) => {
      // 10,000 access points per file system unless AWS raises it: the next user cannot get a home here.
      if ((error as { name?: string }).name === 'AccessPointLimitExceeded')
        throw new RuntimeStartError(
          "This deployment's homes file system is full (its access point quota): an operator must raise the quota.",
          {
            reason: 'homes-full',
            cause: error,
          },
        );
      throw error;
    });
    const id = created.AccessPointId!;
    // A task cannot mount an access point that is still being created (a second or so).
    for (let wait = 100, state = created.LifeCycleState; state !== 'available'; wait = Math.min(wait * 2, 1000)) {
      if (state === 'error' || state === 'deleting' || state === 'deleted')
        throw new Error(`the access point ${id} is ${state}`);
      await sleep(wait);
      state = (await this.efs.send(new DescribeAccessPointsCommand({ AccessPointId: id }))).AccessPoints?.[0]
        ?.LifeCycleState;
    }
    return id;
  }
}
