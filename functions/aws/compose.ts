import { DynamoDbApiTokens } from '../../shared/adapters/dynamodb/dynamodb-api-tokens';
import type { LambdaEvent } from 'hono/aws-lambda';
import { DOT_SEGMENT_DETAIL, hasDotSegment } from '../http/dot-segments';
import { problemBody, problemOf } from '../http/problem';
import { ecsAppDefaults, ecsCannotRun } from '../../shared/adapters/runtime/ecs/can-run';
import { createEcsClient } from '../../shared/adapters/runtime/ecs/ecs-client';
import { createDocumentClient } from '../../shared/adapters/dynamodb/dynamodb-client';
import { DynamoDbIdempotencyStore } from '../../shared/adapters/dynamodb/dynamodb-idempotency-store';
import { DynamoDbQuotaStore } from '../../shared/adapters/dynamodb/dynamodb-quota-store';
import { DynamoDbSessionEventLog } from '../../shared/adapters/dynamodb/dynamodb-event-log';
import { DynamoDbSessionStore } from '../../shared/adapters/dynamodb/dynamodb-session-store';
import { DynamoDbPoolStore } from '../../shared/adapters/dynamodb/dynamodb-pool-store';
import { DynamoDbUsageStore } from '../../shared/adapters/dynamodb/dynamodb-usage-store';
import { LABELLED_APPS_TASK } from '../../shared/config/table';
import type { AppSpec } from '../../shared/domain/app';
import { KMSClient } from '@aws-sdk/client-kms';
import type { ECSClient } from '@aws-sdk/client-ecs';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Logger } from '../../shared/ports/logger';
import type { Metrics } from '../../shared/ports/metrics';
import { EcsRuntime } from '../../shared/adapters/runtime/ecs/ecs-runtime';
import { KmsSecretSealer } from '../../shared/adapters/runtime/ecs/secret-sealer';
import { TaskDefinitionRegistry } from '../../shared/adapters/runtime/ecs/task-definition-registry';
import { powertoolsLogger, powertoolsMetrics } from '../../shared/adapters/aws/powertools';
import { ImageApps } from '../../shared/adapters/images/image-apps';
import { TableImageSnapshot } from '../../shared/adapters/dynamodb/table-image-snapshot';
import { loadAppsJson } from '../../shared/config/apps';
import { ENV } from '../../shared/config/env-names';
import type { FunctionEnv } from '../../shared/config/lambda-env';
import { type Clock, systemClock } from '../../shared/ports/clock';
import type { Runtime } from '../../shared/ports/runtime';
import { AppCatalog } from '../../shared/services/catalog';
import type { ServiceDeps } from '../../shared/services/deps';

/** How long a function reuses the image snapshot it read (the reaper rewrites it each minute). */
const IMAGE_SNAPSHOT_TTL_MS = 60_000;

/*
 * What every Lambda entry composes (the API functions, the reaper, task-events): here, where all
 * of them may import it, rather than inside the API's folder.
 */

type StoreEnv = FunctionEnv<'task-events'>;
type EcsEnv = Pick<
  FunctionEnv<'api-write'>,
  | typeof ENV.cluster
  | typeof ENV.taskDefinitions
  | typeof ENV.secretsKey
  | typeof ENV.subnets
  | typeof ENV.securityGroups
  | typeof ENV.taskFamilyPrefix
  | typeof ENV.containerName
  | typeof ENV.gpuCapacityProvider
  | typeof ENV.homesFileSystem
  | typeof ENV.volumeAccessPoints
>;

/**
 * What a function's composition may be given instead of making it from its environment: the scale simulator
 * (test/scale) runs every function's composition in one process, on its own clock, store and simulated ECS.
 */
export interface Injected {
  db?: DynamoDBDocumentClient;
  ecs?: ECSClient;
  clock?: Clock;
  logger?: Logger;
  metrics?: Metrics & { publish(): void };
}

/** What every Lambda has: the store, the apps, logs and metrics (Powertools). */
export function lambdaServices(
  service: string,
  env: Pick<
    StoreEnv,
    | typeof ENV.tableName
    | typeof ENV.awsRegion
    | typeof ENV.dynamodbEndpoint
    | typeof ENV.appsFile
    | typeof ENV.logLevel
    | typeof ENV.imageRepository
    | typeof ENV.usageRetention
  > &
    Partial<Pick<EcsEnv, typeof ENV.taskDefinitions>>,
  runtime: (apps: AppCatalog) => Runtime,
  injected: Injected = {},
) {
  const client =
    injected.db ?? createDocumentClient({ endpoint: env[ENV.dynamodbEndpoint], region: env[ENV.awsRegion] });
  const table = env[ENV.tableName];
  const logger = injected.logger ?? powertoolsLogger(service, env[ENV.logLevel]);
  // The labelled images of the stack's repository, from the snapshot the reaper keeps in the table.
  const repository = env[ENV.imageRepository];
  const discovered = repository
    ? new ImageApps([new TableImageSnapshot(client, table)], {
        allowedPrefixes: [repository],
        ttlMs: IMAGE_SNAPSHOT_TTL_MS,
        defaults: ecsAppDefaults,
        logger,
      })
    : undefined;
  // On AWS every function offers what ECS can run, whether or not it starts tasks itself.
  const apps = new AppCatalog(loadAppsJson(env[ENV.appsFile], ecsAppDefaults), ecsCannotRun, discovered);
  const metrics = injected.metrics ?? powertoolsMetrics(service);
  const services: ServiceDeps = {
    store: new DynamoDbSessionStore(client, table, (why, key) =>
      logger.warn({ key, why }, 'unreadable session record skipped'),
    ),
    events: new DynamoDbSessionEventLog(client, table),
    quotas: new DynamoDbQuotaStore(client, table),
    idempotency: new DynamoDbIdempotencyStore(client, table),
    runtime: runtime(apps),
    apps,
    clock: injected.clock ?? systemClock,
    logger,
    metrics,
    pools: { store: new DynamoDbPoolStore(client, table), revision: deployedRevision(env[ENV.taskDefinitions]) },
    usage: new DynamoDbUsageStore(client, table, env[ENV.usageRetention]),
    apiTokens: new DynamoDbApiTokens(client, table),
  };
  return { services, publishMetrics: metrics.publish };
}

/**
 * What besides its spec makes an app's pooled tasks: the task definition the stack deployed for it
 * (a deploy with a new image replaces the pool's tasks). Functions without the map (api-read) never
 * compare spec hashes.
 */
function deployedRevision(deployed: Record<string, string> | undefined): ((app: AppSpec) => string) | undefined {
  if (!deployed) return undefined;
  return (app) => deployed[app.name] ?? (app.fromLabels ? (deployed[LABELLED_APPS_TASK] ?? '') : '');
}

/**
 * The ECS runtime for functions that start or stop tasks; retries are the SDK's (createEcsClient).
 * Its task-definition registry keeps its claims in the sessions table.
 */
export function ecsRuntime(
  env: EcsEnv & Pick<StoreEnv, typeof ENV.tableName | typeof ENV.awsRegion | typeof ENV.dynamodbEndpoint>,
  apps: AppCatalog,
  injected: Injected = {},
): EcsRuntime {
  const ecs = injected.ecs ?? createEcsClient({ region: env[ENV.awsRegion] });
  const db = injected.db ?? createDocumentClient({ endpoint: env[ENV.dynamodbEndpoint], region: env[ENV.awsRegion] });
  const deployed = env[ENV.taskDefinitions] ?? {};
  return new EcsRuntime(ecs, {
    cluster: env[ENV.cluster],
    subnets: env[ENV.subnets],
    securityGroups: env[ENV.securityGroups],
    taskFamilyPrefix: env[ENV.taskFamilyPrefix],
    containerName: env[ENV.containerName],
    gpuCapacityProvider: env[ENV.gpuCapacityProvider],
    appNames: () => apps.list().map((a) => a.name),
    baseTaskDefinition: (app) => deployed[app],
    registry: new TaskDefinitionRegistry(ecs, db, {
      tableName: env[ENV.tableName],
      containerName: env[ENV.containerName],
    }),
    sealer: sealerOf(env[ENV.secretsKey], env[ENV.awsRegion]),
    homesFileSystemId: env[ENV.homesFileSystem],
    volumeAccessPoints: env[ENV.volumeAccessPoints],
    ...(injected.clock ? { now: () => injected.clock!.now() } : {}),
  });
}

/** Session secrets sealed with this KMS key, when the stack made one (SESSIONPLANE_SECRETS_KEY). */
function sealerOf(keyArn: string | undefined, region: string): KmsSecretSealer | undefined {
  return keyArn ? new KmsSecretSealer(new KMSClient({ region, maxAttempts: 5 }), keyArn) : undefined;
}

/** Publishes the invocation's metrics (EMF) however the handler ends. */
export function withMetrics<E, C, R>(
  handler: (event: E, context: C) => Promise<R>,
  publish: () => void,
): (event: E, context: C) => Promise<R> {
  return async (event, context) => {
    try {
      return await handler(event, context);
    } finally {
      publish();
    }
  };
}

/**
 * An API entry that refuses a raw path with a dot segment before hono parses it (URL parsing
 * would resolve `/sessions/<id>/shares/%2e%2e` into `/sessions/<id>`: functions/http/dot-segments.ts).
 */
export function refusingDotSegments<C>(handler: (event: LambdaEvent, context: C) => Promise<unknown>) {
  return async (event: LambdaEvent, context: C): Promise<unknown> => {
    const path = ('rawPath' in event ? event.rawPath : 'path' in event ? event.path : undefined) ?? '/';
    if (!hasDotSegment(path)) return handler(event, context);
    const problem = problemOf('request.invalid', DOT_SEGMENT_DETAIL);
    return {
      statusCode: 400,
      headers: { 'content-type': 'application/problem+json' },
      body: problemBody(problem, path.slice(0, 256)),
    };
  };
}
