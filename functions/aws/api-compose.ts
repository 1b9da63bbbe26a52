import { AWS_PRICES, AWS_PRICES_SOURCE } from '../../shared/domain/usage';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { CloudWatchSessionLogs } from '../../shared/adapters/aws/cloudwatch-session-logs';
import { createDocumentClient } from '../../shared/adapters/dynamodb/dynamodb-client';
import { DynamoDbUserIds } from '../../shared/adapters/dynamodb/dynamodb-user-ids';
import type { Homes } from '../../shared/ports/homes';
import { ENV } from '../../shared/config/env-names';
import { sessionDomainOf } from '../../shared/config/session-domain';
import type { FunctionEnv } from '../../shared/config/lambda-env';
import { policyFrom } from '../../shared/config/policy';
import type { Runtime } from '../../shared/ports/runtime';
import type { SessionLogs } from '../../shared/ports/session-logs';
import type { AppCatalog } from '../../shared/services/catalog';
import { anyOf, personalTokens, verifiedJwt } from '../api/auth/authenticators';
import { type Injected, lambdaServices } from './compose';
import type { ApiDeps } from '../api/context';

/** Homes to list, not to make (api-read's GET /homes: no EFS client in its bundle). */
export function listedHomes(db: DynamoDBDocumentClient, tableName: string): Homes {
  const ids = new DynamoDbUserIds(db, tableName);
  return {
    ensure: () => Promise.reject(new Error('this function makes no homes')),
    list: () => ids.list(),
  };
}

export function cloudWatchLogs(env: FunctionEnv<'api-read'>): SessionLogs {
  const prefix = env[ENV.logGroupPrefix];
  return new CloudWatchSessionLogs(new CloudWatchLogsClient({ region: env[ENV.awsRegion] }), {
    logGroupOf: (app) => `${prefix}${app}`,
    streamPrefix: env[ENV.logStreamPrefix],
    containerName: env[ENV.containerName],
  });
}

/** The API's deps on Lambda: callers by their personal token or the issuer's JWT. */
export function lambdaApiDeps(
  service: string,
  env: FunctionEnv<'api-catalog'>,
  parts: { runtime: (apps: AppCatalog) => Runtime; logs: SessionLogs; homes?: (db: DynamoDBDocumentClient) => Homes },
  injected: Injected = {},
) {
  const { services, publishMetrics } = lambdaServices(service, env, parts.runtime, injected);
  const { policy, rateLimit, anonymousRateLimit, tokenKey, corsOrigins, launcherTimeoutMs, prices } = policyFrom(env);
  const deps: ApiDeps = {
    ...services,
    policy,
    tokenKey: tokenKey!, // required by the API functions' env schema
    urls: {
      publicUrl: env[ENV.publicUrl],
      useHost: env[ENV.trameUseHost],
      urlPrefix: env[ENV.trameUrlPrefix],
      sessionDomain: sessionDomainOf(env[ENV.sessionDomain]),
      keepsPrefix: (app) => services.apps.get(app)?.stripPrefix === false,
      webClient: (app) => services.apps.get(app)?.webClient === true,
      bar: (app) => services.apps.get(app)?.bar === true,
    },
    // Verified here, as on one machine: a personal token by its hash in the table, else a JWT of the issuer (the HTTP
    // API has no authorizer, since API Gateway's JWT authorizer admits JWTs only, and answers in its own shape).
    authenticate: anyOf(
      personalTokens(services),
      verifiedJwt({
        issuer: env[ENV.jwtIssuer],
        audience: env[ENV.jwtAudience],
        clientIdAudience: true,
        ...(env[ENV.jwtJwksUrl] ? { jwksUrl: env[ENV.jwtJwksUrl] } : {}),
        userClaim: env[ENV.userClaim],
        groupsClaim: env[ENV.groupsClaim],
        adminGroup: env[ENV.adminGroup],
        onError: (error) => services.logger.warn({ err: error.message }, 'cannot reach the OIDC issuer'),
      }),
    ),
    maxBodyBytes: env[ENV.maxBodyBytes],
    // The functions have no homes mount (and take 6 MB at most): /homes/me/files is the router service's, sent there.
    maxUploadBytes: 0,
    filesUrl: env[ENV.filesUrl],
    rateLimit,
    anonymousRateLimit,
    logs: parts.logs,
    corsOrigins,
    launcherTimeoutMs,
    // GET /usage's estimate: the configured table, else Fargate's list prices.
    prices: prices
      ? { table: prices, source: 'configured (SESSIONPLANE_PRICES)' }
      : { table: AWS_PRICES, source: AWS_PRICES_SOURCE },
    homes: parts.homes?.(createDocumentClient({ endpoint: env[ENV.dynamodbEndpoint], region: env[ENV.awsRegion] })),
  };
  return { deps, publishMetrics };
}
