import type { GroupsOf } from '../../shared/config/api-routes';
import { handle } from 'hono/aws-lambda';
import { noRuntime } from '../../shared/adapters/runtime/no-runtime';
import { loadFunctionEnv } from '../../shared/config/lambda-env';
import { createApp } from '../api/app';
import type { GroupMount } from '../api/context';
import { catalogGroup } from '../api/routes/apps';
import { openApiDocument } from '../api/openapi';
import { refusingDotSegments, withMetrics } from './compose';
import { lambdaApiDeps } from './api-compose';

// GET /apps: the apps file only.
const env = loadFunctionEnv('api-catalog');
const noLogs = { tail: async () => ({ lines: [], nextSince: undefined, truncated: false }) };
const { deps, publishMetrics } = lambdaApiDeps('api-catalog', env, { runtime: () => noRuntime, logs: noLogs });
const groups = { catalog: catalogGroup } satisfies Record<GroupsOf<'api-catalog'>, GroupMount>;
export const handler = withMetrics(
  refusingDotSegments(handle(createApp(deps, groups, { openApi: openApiDocument }))),
  publishMetrics,
);
