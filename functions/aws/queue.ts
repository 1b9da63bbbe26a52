import type { Context } from 'aws-lambda';
import { EFSClient } from '@aws-sdk/client-efs';
import { DynamoDbUserIds } from '../../shared/adapters/dynamodb/dynamodb-user-ids';
import { createDocumentClient } from '../../shared/adapters/dynamodb/dynamodb-client';
import { EfsHomes } from '../../shared/adapters/homes/efs-homes';
import { ENV } from '../../shared/config/env-names';
import { QUEUE_PASS } from '../../shared/config/functions';
import { loadFunctionEnv } from '../../shared/config/lambda-env';
import { policyFrom } from '../../shared/config/policy';
import { activityUrlOf } from '../../shared/domain/urls';
import type { LaunchDeps } from '../../shared/services/deps';
import { queuedStarter } from '../../shared/services/launch-start';
import { dispatchQueue } from '../../shared/services/queue';
import { ecsRuntime, lambdaServices, withMetrics } from './compose';

// The launch queue's dispatcher on AWS: a pass each time one of the cluster's tasks stops (EventBridge: its end may
// have made room: its owner's cap, the cluster's capacity) and each minute (Fargate's capacity comes back, a throttle
// passes). Each waiting launch is claimed by one conditional write, so two passes at once never start one twice.
const env = loadFunctionEnv('queue');
const { services, publishMetrics } = lambdaServices('queue', env, (apps) => ecsRuntime(env, apps));
const { policy, tokenKey } = policyFrom(env);
const fileSystemId = env[ENV.homesFileSystem];
const apiUrl = env[ENV.apiUrl];
const deps: LaunchDeps = {
  ...services,
  policy,
  tokenKey: tokenKey!, // required by this function's env schema
  ...(fileSystemId
    ? {
        homes: new EfsHomes(
          new EFSClient({ region: env[ENV.awsRegion], maxAttempts: 5 }),
          new DynamoDbUserIds(
            createDocumentClient({ endpoint: env[ENV.dynamodbEndpoint], region: env[ENV.awsRegion] }),
            env[ENV.tableName],
          ),
          { fileSystemId },
        ),
      }
    : {}),
  ...(apiUrl ? { activityUrl: activityUrlOf(apiUrl) } : {}),
};
const queue = policy.queue;

export const handler = withMetrics(async (_event: unknown, context: Context) => {
  if (!queue) return { started: 0, timedOut: 0, waiting: 0 };
  // A pass stops claiming while it has time to finish what it claimed (#40: a pass starting 300 waiting sessions one
  // by one ran two minutes, twice the function's timeout); the next pass goes on.
  const claimUntil = Date.now() + context.getRemainingTimeInMillis() - QUEUE_PASS.lastStartMs;
  const result = await dispatchQueue({ ...deps, policy: { ...policy, queue } }, queuedStarter(deps), {
    claimUntil,
    concurrency: QUEUE_PASS.startConcurrency,
  });
  if (result.started || result.timedOut) deps.logger.info(result, 'queue pass');
  return result;
}, publishMetrics);
