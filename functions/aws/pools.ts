import type { Context } from 'aws-lambda';
import { ENV } from '../../shared/config/env-names';
import { POOLS_PASS } from '../../shared/config/functions';
import { loadFunctionEnv } from '../../shared/config/lambda-env';
import { tokenKeyOf } from '../../shared/config/policy';
import { POOL_FAILURES } from '../../shared/services/deps';
import { tendPools } from '../../shared/services/pools/pool-keeper';
import { ecsRuntime, lambdaServices, withMetrics } from './compose';

// The warm pools' keeper: one pass each minute (EventBridge), and within a second or so of a claim
// or a removed instance (the sessions table's stream, filtered to pool records). Two passes at once
// are safe: starting is leased per app in the table.
const env = loadFunctionEnv('pools');
const { services, publishMetrics } = lambdaServices('pools', env, (apps) => ecsRuntime(env, apps));
const deps = { ...services, pools: services.pools!, tokenKey: tokenKeyOf(env[ENV.tokenKey]) };

/** A batch of the table stream's records (a claim, a start), not the minute's schedule. */
const fromStream = (event: unknown) => typeof event === 'object' && event !== null && 'Records' in event;

export const handler = withMetrics(
  async (event: unknown, context: Context) =>
    tendPools(deps, {
      holder: context.awsRequestId,
      ...POOLS_PASS,
      ...POOL_FAILURES,
      claimGraceMs: 60_000,
      // The runtime's every task is listed on the minute's pass only, as the local keeper does (#40: listed on every
      // stream pass too, a rush's passes made 3,018 ListTasks calls in 45 minutes, against a bucket of 20 a second).
      checkRuntime: !fromStream(event),
    }),
  publishMetrics,
);
