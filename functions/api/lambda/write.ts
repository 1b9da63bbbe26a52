import type { GroupsOf } from '../../../shared/config/api-routes';
import { handle } from 'hono/aws-lambda';
import { loadFunctionEnv } from '../../../shared/config/lambda-env';
import { createApp } from '../app';
import type { GroupMount } from '../context';
import { writeGroup } from '../routes/sessions-write';
import { skahaGroup } from '../routes/skaha';
import { launcherGroup } from '../routes/wslink-launcher';
import { ecsRuntime, withMetrics } from '../../lambda/compose';
import { lambdaApiDeps } from './compose';

// POST /sessions, DELETE /sessions/{id}, renew, and the wslink launcher: DynamoDB writes, ecs:RunTask/StopTask, iam:PassRole.
const env = loadFunctionEnv('api-write');
const noLogs = { tail: async () => ({ lines: [], nextSince: undefined, truncated: false }) };
const { deps, publishMetrics } = lambdaApiDeps('api-write', env, { runtime: (apps) => ecsRuntime(env, apps), logs: noLogs });
const groups = { write: writeGroup, launcher: launcherGroup, skaha: skahaGroup } satisfies Record<GroupsOf<'api-write'>, GroupMount>;
export const handler = withMetrics(handle(createApp(deps, groups)), publishMetrics);
