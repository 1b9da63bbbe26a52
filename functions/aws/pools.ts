import type { Context } from 'aws-lambda';
import { ENV } from '../../shared/config/env-names';
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

export const handler = withMetrics(
  async (_event: unknown, context: Context) =>
    tendPools(deps, {
      holder: context.awsRequestId,
      // ECS takes RunTask at 20 a burst and 1 a second sustained per account: a few at once, a second apart.
      burst: 3,
      staggerMs: 1000,
      ...POOL_FAILURES,
      claimGraceMs: 60_000,
      checkRuntime: true,
    }),
  publishMetrics,
);
