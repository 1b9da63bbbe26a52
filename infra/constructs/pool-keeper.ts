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
import { SESSIONS_TABLE as T } from '../../shared/config/table';
import {
  grantListTasks,
  grantRegisterTaskDefinitions,
  grantRunTasks,
  grantSealSecrets,
  grantTable,
  grantTaskControl,
} from './grants';
import { SessionFunction } from './session-function';

export interface PoolKeeperProps {
  table: Table;
  cluster: ICluster;
  taskDefinitions: TaskDefinition[];
  /** The environment every ECS-starting function has (cluster, subnets, families, deployed revisions). */
  ecsEnv: Record<string, string>;
  secretsKey: IKey;
  tokenKey: ISecret;
  /** The GPU capacity provider, where the stack has one (GPU apps' pools start there). */
  gpuCapacityProvider?: string | undefined;
  appsFile: string;
  retention: RetentionDays;
}

/**
 * The warm pools' keeper: a pass each minute, and one within about a second of a claim or of a
 * pool record's removal (the sessions table's stream, filtered to pool records, so no other write
 * wakes it). It starts tasks as api-write does, so it holds the same start permissions; nothing else.
 */
export class PoolKeeper extends Construct {
  readonly keeper: SessionFunction;

  constructor(scope: Construct, id: string, props: PoolKeeperProps) {
    super(scope, id);
    this.keeper = new SessionFunction(this, 'pools', {
      name: 'pools',
      environment: {
        ...props.ecsEnv,
        [ENV.tokenKey]: props.tokenKey.secretValue.unsafeUnwrap(), // a dynamic reference, resolved at deploy
        [ENV.secretsKey]: props.secretsKey.keyArn,
        ...(props.gpuCapacityProvider ? { [ENV.gpuCapacityProvider]: props.gpuCapacityProvider } : {}),
      },
      appsFile: props.appsFile,
      // A pass staggers its starts a second apart, a few per pool.
      timeout: Duration.seconds(60),
      retention: props.retention,
    });
    const fn = this.keeper.fn;
    // Pool records and statuses (queries of the live index, conditional puts, updates and deletes), the registry's
    // claims.
    grantTable(fn, props.table, ['Query', 'GetItem', 'PutItem', 'UpdateItem', 'DeleteItem']);
    grantRunTasks(fn, props.cluster, props.taskDefinitions);
    grantRegisterTaskDefinitions(fn, props.taskDefinitions);
    grantTaskControl(fn, props.cluster, ['DescribeTasks', 'StopTask']);
    grantListTasks(fn, props.cluster);
    grantSealSecrets(fn, props.secretsKey.keyArn);

    new Rule(this, 'Schedule', {
      description: 'One pool keeper pass a minute (ttl, schedule windows, the end of a backoff)',
      schedule: Schedule.rate(Duration.minutes(1)),
      targets: [new LambdaFunction(fn, { retryAttempts: 0 })],
    });
    const poolRecord = { [T.partitionKey]: { S: FilterRule.beginsWith('pool#') } };
    fn.addEventSource(
      new DynamoEventSource(props.table, {
        startingPosition: StartingPosition.LATEST,
        batchSize: 100,
        maxBatchingWindow: Duration.seconds(1),
        retryAttempts: 2,
        bisectBatchOnError: false,
        filters: [
          // A claim (READY → CLAIMED), and any pool record removed (claimed and taken over, died, retired).
          FilterCriteria.filter({
            eventName: FilterRule.isEqual('MODIFY'),
            dynamodb: { Keys: poolRecord, NewImage: { state: { S: FilterRule.isEqual('CLAIMED') } } },
          }),
          FilterCriteria.filter({ eventName: FilterRule.isEqual('REMOVE'), dynamodb: { Keys: poolRecord } }),
        ],
      }),
    );
  }
}
