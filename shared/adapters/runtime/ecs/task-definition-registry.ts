import { createHash, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  DeregisterTaskDefinitionCommand,
  DescribeTaskDefinitionCommand,
  RegisterTaskDefinitionCommand,
  type ECSClient,
} from '@aws-sdk/client-ecs';
import {
  DeleteCommand,
  GetCommand,
  PutCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { SESSIONS_TABLE as T } from '../../../config/table';
import { CapacityError, RuntimeStartError } from '../../../domain/errors';
import { busyIfThrottled } from '../../aws/aws-busy';
import { liveIndexPages } from '../../dynamodb/live-index';
import { type RevisionVariant, revisionInput } from './revision-input';

export type { RevisionVariant };

/** Registry items sit in the sparse live index under a shard of their own, sorted by last use. */
const REGISTRY_SHARD = 'taskdef';
const PREFIX = 'taskdef#';

export interface TaskDefinitionRegistryOptions {
  tableName: string;
  /** The container whose image is replaced. */
  containerName: string;
  now?: () => number;
  /** A claim older than this without a result is taken over (its holder died mid-registration). */
  claimTimeoutMs?: number;
  /** A revision not launched for this long is deregistered by the reaper. Longer than any session lives. */
  unusedAfterMs?: number;
  /** Last use is written at most this often per revision (a write per launch would be wasted). */
  touchEveryMs?: number;
}

interface RegistryItem {
  id: string;
  app: string;
  base: string;
  image: string;
  state: 'claimed' | 'ready';
  claimant: string;
  claimedAt: number;
  /** Last use (epoch ms): the live index's sort key, so the reaper reads the oldest first. */
  createdAt: number;
  arn?: string;
}

/**
 * Task definitions for images that have none of their own (a user's custom image, and later images
 * found by label or per-user volumes). RunTask cannot override an image, so each (base revision,
 * image) gets one revision registered from the app's base definition with only the image replaced,
 * in the app's family, lazily on its first launch.
 *
 * Exactly one registration per key, however many first launches race: a conditional put claims
 * the key in the sessions table, the winner registers and records the ARN, the others wait for it.
 * ECS allows task-definition writes at a burst of 20 and 1 a second sustained, so revisions are
 * reused for every later launch, and the reaper deregisters the unused ones a few at a time.
 */
export class TaskDefinitionRegistry {
  private readonly now: () => number;
  private readonly claimTimeoutMs: number;
  private readonly unusedAfterMs: number;
  private readonly touchEveryMs: number;

  constructor(
    private readonly ecs: ECSClient,
    private readonly db: DynamoDBDocumentClient,
    private readonly options: TaskDefinitionRegistryOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.claimTimeoutMs = options.claimTimeoutMs ?? 60_000;
    this.unusedAfterMs = options.unusedAfterMs ?? 7 * 24 * 3600_000;
    this.touchEveryMs = options.touchEveryMs ?? 3600_000;
  }

  /**
   * The key of (base revision, image, home, group volumes): the base is `family:revision`, so a redeploy starts
   * afresh. An image alone keys as it always did, so revisions registered before homes are found.
   */
  static keyOf(base: string, variant: string | RevisionVariant): string {
    const { image = '', home, volumes = [], secrets = [] } = typeof variant === 'string' ? { image: variant } : variant;
    let text = home
      ? `${base}\n${image}\n${home.fileSystemId}\n${home.accessPointId}\n${home.mountPath}`
      : `${base}\n${image}`;
    // Group volumes (#38) key after what came before, so the keys of revisions without them are as they were.
    for (const v of volumes) text += `\nvolume\n${v.name}\n${v.accessPointId}\n${v.mountPath}\n${v.readOnly}`;
    for (const s of secrets) text += `\nsecret\n${s.name}\n${s.valueFrom}`;
    return `${PREFIX}${createHash('sha256').update(text).digest('hex').slice(0, 40)}`;
  }

  /** The revision of the base definition with `variant`'s image and home, registering it on first use. */
  async resolve(app: string, base: string, variant: string | RevisionVariant): Promise<string> {
    const wanted: RevisionVariant = typeof variant === 'string' ? { image: variant } : variant;
    const image = wanted.image ?? '';
    const id = TaskDefinitionRegistry.keyOf(base, wanted);
    const deadline = this.now() + 2 * this.claimTimeoutMs;
    for (let wait = 50; ; wait = Math.min(wait * 2, 1000)) {
      const item = await this.get(id);
      if (item?.state === 'ready' && item.arn) {
        await this.touch(item);
        return item.arn;
      }
      if (!item || this.now() - item.claimedAt > this.claimTimeoutMs) {
        const claimant = await this.claim(id, app, base, image, item);
        if (claimant) return this.register(id, claimant, base, wanted, app);
        continue; // someone else claimed it first: read their claim
      }
      if (this.now() > deadline)
        throw new CapacityError(`The task definition for ${image} is still being registered.`, 5);
      await sleep(wait);
    }
  }

  private async get(id: string): Promise<RegistryItem | undefined> {
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.options.tableName, Key: { [T.partitionKey]: id }, ConsistentRead: true }),
    );
    return Item as RegistryItem | undefined;
  }

  /** A conditional put: the key is free, or its stale claim is still the one we read. */
  private async claim(
    id: string,
    app: string,
    base: string,
    image: string,
    stale: RegistryItem | undefined,
  ): Promise<string | undefined> {
    const claimant = randomUUID();
    const now = this.now();
    const item = {
      id,
      app,
      base,
      image,
      state: 'claimed',
      claimant,
      claimedAt: now,
      createdAt: now,
      [T.liveIndex.partitionKey]: REGISTRY_SHARD,
    };
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.options.tableName,
          Item: item,
          ...(stale
            ? {
                ConditionExpression: '#claimant = :seen AND #state = :claimed',
                ExpressionAttributeNames: { '#claimant': 'claimant', '#state': 'state' },
                ExpressionAttributeValues: { ':seen': stale.claimant, ':claimed': 'claimed' },
              }
            : {
                ConditionExpression: 'attribute_not_exists(#id)',
                ExpressionAttributeNames: { '#id': T.partitionKey },
              }),
        }),
      );
      return claimant;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return undefined;
      throw error;
    }
  }

  private async register(
    id: string,
    claimant: string,
    base: string,
    variant: RevisionVariant,
    app: string,
  ): Promise<string> {
    let arn: string;
    try {
      arn = await this.registerRevision(base, variant, app);
    } catch (error) {
      // Let the next launch try again at once rather than wait out the claim.
      await this.db
        .send(
          new DeleteCommand({
            TableName: this.options.tableName,
            Key: { [T.partitionKey]: id },
            ConditionExpression: '#claimant = :me',
            ExpressionAttributeNames: { '#claimant': 'claimant' },
            ExpressionAttributeValues: { ':me': claimant },
          }),
        )
        .catch(() => undefined);
      throw error;
    }
    await this.db.send(
      new UpdateCommand({
        TableName: this.options.tableName,
        Key: { [T.partitionKey]: id },
        UpdateExpression: 'SET #state = :ready, arn = :arn, createdAt = :now',
        ExpressionAttributeNames: { '#state': 'state' },
        ExpressionAttributeValues: { ':ready': 'ready', ':arn': arn, ':now': this.now() },
      }),
    );
    return arn;
  }

  /**
   * RegisterTaskDefinition from the base, every field it was made with, only the image replaced
   * and, for a home, an EFS volume through the user's access point (encrypted in transit, IAM
   * authorized with the task role) mounted at the app's path.
   */
  private async registerRevision(base: string, variant: RevisionVariant, app: string): Promise<string> {
    const { taskDefinition: def } = await busyIfThrottled(
      'ECS DescribeTaskDefinition',
      this.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: base })),
    ).catch((error: unknown) => {
      // Not found (a family the stack never made, a deregistered base): the launch fails, it is no server error.
      if ((error as { name?: string }).name === 'ClientException')
        throw new RuntimeStartError(`The task definition ${base} cannot be described: ${(error as Error).message}`, {
          reason: 'task-definition-missing',
          cause: error,
        });
      throw error;
    });
    if (!def?.family || !def.containerDefinitions?.some((c) => c.name === this.options.containerName))
      throw new RuntimeStartError(`Task definition ${base} has no container ${this.options.containerName}.`, {
        reason: 'task-definition-invalid',
      });
    const input = revisionInput(def, variant, this.options.containerName, app);
    const { taskDefinition } = await busyIfThrottled(
      'ECS RegisterTaskDefinition',
      this.ecs.send(new RegisterTaskDefinitionCommand(input)),
    );
    if (!taskDefinition?.taskDefinitionArn)
      throw new RuntimeStartError('ECS registered no task definition.', { reason: 'task-definition-invalid' });
    return taskDefinition.taskDefinitionArn;
  }

  private async touch(item: RegistryItem): Promise<void> {
    if (this.now() - item.createdAt < this.touchEveryMs) return;
    await this.db
      .send(
        new UpdateCommand({
          TableName: this.options.tableName,
          Key: { [T.partitionKey]: item.id },
          UpdateExpression: 'SET createdAt = :now',
          ConditionExpression: 'attribute_exists(#id)',
          ExpressionAttributeNames: { '#id': T.partitionKey },
          ExpressionAttributeValues: { ':now': this.now() },
        }),
      )
      .catch((error) => {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
      });
  }

  /**
   * Deregisters up to `max` revisions nobody launched for `unusedAfterMs`, `spacingMs` apart (ECS:
   * 1 task-definition write a second sustained, shared with registration). The record goes first,
   * conditionally on its last use being unchanged, so a launch either found it before (and its task
   * still starts: deregistering does not stop running tasks) or registers afresh.
   */
  async pruneUnused(max = 5, spacingMs = 1000): Promise<{ deregistered: string[] }> {
    const cutoff = this.now() - this.unusedAfterMs;
    const deregistered: string[] = [];
    for await (const items of liveIndexPages(this.db, this.options.tableName, REGISTRY_SHARD)) {
      for (const item of items as unknown as RegistryItem[]) {
        if (deregistered.length >= max) return { deregistered };
        if (item.state !== 'ready' || !item.arn || item.createdAt > cutoff) continue;
        try {
          await this.db.send(
            new DeleteCommand({
              TableName: this.options.tableName,
              Key: { [T.partitionKey]: item.id },
              ConditionExpression: 'createdAt = :seen',
              ExpressionAttributeValues: { ':seen': item.createdAt },
            }),
          );
        } catch (error) {
          if (error instanceof ConditionalCheckFailedException) continue;
          throw error;
        }
        if (deregistered.length) await sleep(spacingMs);
        await busyIfThrottled(
          'ECS DeregisterTaskDefinition',
          this.ecs.send(new DeregisterTaskDefinitionCommand({ taskDefinition: item.arn })),
        );
        deregistered.push(item.arn);
      }
    }
    return { deregistered };
  }
}
