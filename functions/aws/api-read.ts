import type { GroupsOf } from '../../shared/config/api-routes';
import { handle } from 'hono/aws-lambda';
import { noRuntime } from '../../shared/adapters/runtime/no-runtime';
import { ENV } from '../../shared/config/env-names';
import { loadFunctionEnv } from '../../shared/config/lambda-env';
import { createApp } from '../api/app';
import type { GroupMount } from '../api/context';
import { readGroup } from '../api/routes/sessions-read';
import { skahaGroup } from '../api/routes/skaha';
import { refusingDotSegments, withMetrics } from './compose';
import { cloudWatchLogs, lambdaApiDeps, listedHomes } from './api-compose';

// GET /sessions, /sessions/{id}, /sessions/{id}/logs, and skaha's GETs: DynamoDB reads and CloudWatch Logs reads only.
const env = loadFunctionEnv('api-read');
const { deps, publishMetrics } = lambdaApiDeps('api-read', env, {
  runtime: () => noRuntime,
  logs: cloudWatchLogs(env),
  homes: (db) => listedHomes(db, env[ENV.tableName]),
});
const groups = { read: readGroup, skaha: skahaGroup } satisfies Record<GroupsOf<'api-read'>, GroupMount>;
export const handler = withMetrics(refusingDotSegments(handle(createApp(deps, groups))), publishMetrics);
