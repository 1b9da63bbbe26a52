import { ENV } from '../../shared/config/env-names';
import { loadFunctionEnv } from '../../shared/config/lambda-env';
import { ecsRuntime, lambdaServices, withMetrics } from './compose';
import { handleTaskEvent, type TaskStateChangeEvent } from './task-events-handler';

// EventBridge "ECS Task State Change" for this cluster. Runs in the VPC, to probe task ports.
const env = loadFunctionEnv('task-events');
const { services, publishMetrics } = lambdaServices('task-events', env, (apps) => ecsRuntime(env, apps));
const deps = { ...services, clusterArn: env[ENV.cluster], containerName: env[ENV.containerName] };
export const handler = withMetrics(
  async (event: TaskStateChangeEvent) => ({ outcome: await handleTaskEvent(deps, event) }),
  publishMetrics,
);
