import type { GroupsOf } from '../../shared/config/api-routes';
import { handle } from 'hono/aws-lambda';
import { EFSClient } from '@aws-sdk/client-efs';
import { DynamoDbUserIds } from '../../shared/adapters/dynamodb/dynamodb-user-ids';
import { EfsHomes } from '../../shared/adapters/homes/efs-homes';
import { ENV } from '../../shared/config/env-names';
import { loadFunctionEnv } from '../../shared/config/lambda-env';
import { createApp } from '../api/app';
import type { GroupMount } from '../api/context';
import { writeGroup } from '../api/routes/sessions-write';
import { skahaGroup } from '../api/routes/skaha';
import { launcherGroup } from '../api/routes/wslink-launcher';
import { ecsRuntime, refusingDotSegments, withMetrics } from './compose';
import { lambdaApiDeps } from './api-compose';
import { activityUrlOf } from '../../shared/domain/urls';

// POST /sessions, DELETE /sessions/{id}, renew, and the wslink launcher: DynamoDB writes, ecs:RunTask/StopTask,
// iam:PassRole.
const env = loadFunctionEnv('api-write');
const noLogs = { tail: async () => ({ lines: [], nextSince: undefined, truncated: false }) };
const fileSystemId = env[ENV.homesFileSystem];
const { deps, publishMetrics } = lambdaApiDeps('api-write', env, {
  runtime: (apps) => ecsRuntime(env, apps),
  logs: noLogs,
  // Users' homes on EFS, one access point each, made on their first launch of a home app.
  homes: fileSystemId
    ? (db) =>
        new EfsHomes(
          new EFSClient({ region: env[ENV.awsRegion], maxAttempts: 5 }),
          new DynamoDbUserIds(db, env[ENV.tableName]),
          { fileSystemId },
        )
    : undefined,
});
// Each task's app may report its own activity to this API.
const apiUrl = env[ENV.apiUrl];
if (apiUrl) deps.activityUrl = activityUrlOf(apiUrl);
const groups = { write: writeGroup, launcher: launcherGroup, skaha: skahaGroup } satisfies Record<
  GroupsOf<'api-write'>,
  GroupMount
>;
export const handler = withMetrics(refusingDotSegments(handle(createApp(deps, groups))), publishMetrics);
