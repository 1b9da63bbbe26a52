import { Duration } from 'aws-cdk-lib';
import type { Table } from 'aws-cdk-lib/aws-dynamodb';
import type { ICluster, TaskDefinition } from 'aws-cdk-lib/aws-ecs';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { FilterCriteria, FilterRule, StartingPosition } from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { ENV } from '../../shared/config/env-names';
import { grantRegisterTaskDefinitions, grantRunTasks, grantSealSecrets, grantTable, grantTaskControl } from './grants';
import type { Homes } from './homes';
import { SessionFunction } from './session-function';

export interface QueueDispatcherProps {
  table: Table;
  cluster: ICluster;
  taskDefinitions: TaskDefinition[];
  /** The environment every ECS-starting function has (cluster, subnets, families, deployed revisions). */
  ecsEnv: Record<string, string>;
  /** The per-user limits and the queue's settings (the API functions' own). */
  userLimits: Record<string, string>;
  secretsKey: IKey;
  tokenKey: ISecret;
  homes: Homes;
  gpuCapacityProvider?: string | undefined;
  appsFile: string;
  retention: RetentionDays;
}

/**
 * The launch queue's dispatcher: launches that found no room (their owner's cap, Fargate's capacity, ECS throttling)
 * wait QUEUED, and this starts them in order as room comes. A pass within about a second of any session's end (the
 * table's stream, filtered to records that became STOPPED, FAILED or COMPLETED: written after task-events counted the
 * end, so the room is there) and one each minute (capacity that comes back by itself). It starts tasks as api-write
 * does, so it holds the same start permissions (and homes' access points); nothing else.
 */
export class QueueDispatcher extends Construct {
  readonly dispatcher: SessionFunction;

  constructor(scope: Construct, id: string, props: QueueDispatcherProps) {
    super(scope, id);
    this.dispatcher = new SessionFunction(this, 'queue', {
      name: 'queue',
      environment: {
        ...props.ecsEnv,
        ...props.userLimits,
        [ENV.tokenKey]: props.tokenKey.secretValue.unsafeUnwrap(), // a dynamic reference, resolved at deploy
        [ENV.secretsKey]: props.secretsKey.keyArn,
        [ENV.homesFileSystem]: props.homes.fileSystem.fileSystemId,
        ...(props.gpuCapacityProvider ? { [ENV.gpuCapacityProvider]: props.gpuCapacityProvider } : {}),
      },
      appsFile: props.appsFile,
      // A pass starts each waiting launch whose turn it is, one RunTask each.
      timeout: Duration.seconds(60),
      retention: props.retention,
    });
    const fn = this.dispatcher.fn;
    // The live index (the queue), each claim's conditional update, quotas, events, registry claims.
    grantTable(fn, props.table, ['Query', 'GetItem', 'PutItem', 'UpdateItem', 'DeleteItem']);
    grantRunTasks(fn, props.cluster, props.taskDefinitions);
    grantRegisterTaskDefinitions(fn, props.taskDefinitions);
    // StopTask: a stop that came while its start was under way stops what was started.
    grantTaskControl(fn, props.cluster, ['StopTask']);
    props.homes.grantCreateAccessPoints(fn);
    grantSealSecrets(fn, props.secretsKey.keyArn);

    new Rule(this, 'Schedule', {
      description: 'One launch-queue pass a minute (capacity that comes back by itself, a throttle that passes)',
      schedule: Schedule.rate(Duration.minutes(1)),
      targets: [new LambdaFunction(fn, { retryAttempts: 0 })],
    });
    fn.addEventSource(
      new DynamoEventSource(props.table, {
        startingPosition: StartingPosition.LATEST,
        batchSize: 100,
        maxBatchingWindow: Duration.seconds(1),
        retryAttempts: 2,
        bisectBatchOnError: false,
        filters: [
          FilterCriteria.filter({
            eventName: FilterRule.isEqual('MODIFY'),
            // The ended statuses (shared/domain/session.ts FINAL_STATUSES: the stack test holds them equal).
            dynamodb: { NewImage: { status: { S: FilterRule.or('STOPPED', 'FAILED', 'COMPLETED') } } },
          }),
        ],
      }),
    );
  }
}
