import { Duration } from 'aws-cdk-lib';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { StartingPosition } from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { Table } from 'aws-cdk-lib/aws-dynamodb';
import type { ICluster, TaskDefinition } from 'aws-cdk-lib/aws-ecs';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { ENV } from '../../shared/config/env-names';
import type { FunctionName } from '../../shared/config/lambda-env';
import { grantRegisterTaskDefinitions, grantRunTasks, grantSealSecrets, grantTable } from './grants';
import { SessionFunction } from './session-function';

/** What a function that starts session tasks in the background needs of the stack. */
export interface TaskStarterProps {
  table: Table;
  cluster: ICluster;
  taskDefinitions: TaskDefinition[];
  /** The environment every ECS-starting function has (cluster, subnets, families, deployed revisions). */
  ecsEnv: Record<string, string>;
  secretsKey: IKey;
  tokenKey: ISecret;
  /** The GPU capacity provider, where the stack has one (GPU apps start there). */
  gpuCapacityProvider?: string | undefined;
  appsFile: string;
  retention: RetentionDays;
}

/**
 * A background function that starts session tasks as api-write does (the pool keeper, the queue's dispatcher): the
 * start's environment (the token key its secrets derive from, the key they are sealed with) and its permissions (the
 * table's records it reads and writes, RunTask on the apps' definitions, the registry's revisions, kms:Encrypt under a
 * session's context). The construct that owns it adds what is its own.
 */
export function taskStarter(
  scope: Construct,
  name: FunctionName,
  props: TaskStarterProps,
  environment: Record<string, string> = {},
): SessionFunction {
  const starter = new SessionFunction(scope, name, {
    name,
    environment: {
      ...props.ecsEnv,
      ...environment,
      [ENV.tokenKey]: props.tokenKey.secretValue.unsafeUnwrap(), // a dynamic reference, resolved at deploy
      [ENV.secretsKey]: props.secretsKey.keyArn,
      ...(props.gpuCapacityProvider ? { [ENV.gpuCapacityProvider]: props.gpuCapacityProvider } : {}),
    },
    appsFile: props.appsFile,
    // A pass starts a few tasks a second apart.
    timeout: Duration.seconds(60),
    retention: props.retention,
  });
  // Its records (queries of the live index, conditional puts, updates and deletes), the registry's claims.
  grantTable(starter.fn, props.table, ['Query', 'GetItem', 'PutItem', 'UpdateItem', 'DeleteItem']);
  grantRunTasks(starter.fn, props.cluster, props.taskDefinitions);
  grantRegisterTaskDefinitions(starter.fn, props.taskDefinitions);
  grantSealSecrets(starter.fn, props.secretsKey.keyArn);
  return starter;
}

/**
 * When a task starter passes: once a minute (what changes by itself: capacity, a backoff's end, a schedule window) and
 * within about a second of the table records its `filters` let through (the sessions table's stream: each reader's
 * own filter, so no other write wakes it).
 */
export function passes(
  scope: Construct,
  starter: SessionFunction,
  table: Table,
  what: { schedule: string; filters: Record<string, unknown>[] },
): void {
  new Rule(scope, 'Schedule', {
    description: what.schedule,
    schedule: Schedule.rate(Duration.minutes(1)),
    targets: [new LambdaFunction(starter.fn, { retryAttempts: 0 })],
  });
  starter.fn.addEventSource(
    new DynamoEventSource(table, {
      startingPosition: StartingPosition.LATEST,
      batchSize: 100,
      maxBatchingWindow: Duration.seconds(1),
      retryAttempts: 2,
      bisectBatchOnError: false,
      filters: what.filters,
    }),
  );
}
