import type { Context } from 'aws-lambda';
import { ENV } from '../../shared/config/env-names';
import { loadFunctionEnv } from '../../shared/config/lambda-env';
import { reap } from '../../shared/services/reaper/reap';
import { ecsRuntime, lambdaServices, withMetrics } from './compose';

// Every minute (an EventBridge rule's schedule): one reaper pass, within the invocation's time.
const env = loadFunctionEnv('reaper');
const { services, publishMetrics } = lambdaServices('reaper', env, (apps) => ecsRuntime(env, apps));
export const handler = withMetrics(async (_event: unknown, context: Context) => {
  const budgetMs = Math.min(env[ENV.reaperBudget], Math.max(1000, context.getRemainingTimeInMillis() - 5000));
  return reap(services, { concurrency: env[ENV.reaperConcurrency], budgetMs });
}, publishMetrics);
