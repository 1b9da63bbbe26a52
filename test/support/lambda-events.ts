import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { testJwt } from './test-jwt';

/**
 * An API Gateway HTTP API (payload 2.0) event. `claims` become a JWT of the test issuer in its Authorization header (the
 * functions verify it themselves: set `testJwtEnv` in their environment); `null`: no credential.
 */
export function httpApiEvent(
  method: string,
  path: string,
  options: {
    body?: string;
    claims?: Record<string, unknown> | null;
    headers?: Record<string, string>;
    query?: string;
  } = {},
): APIGatewayProxyEventV2 {
  const claims = options.claims === undefined ? { sub: 'alice', 'cognito:groups': '[users]' } : options.claims;
  return {
    version: '2.0',
    routeKey: `${method} ${path}`,
    rawPath: path,
    rawQueryString: options.query ?? '',
    headers: {
      'content-type': 'application/json',
      host: 'api.example.org',
      ...(claims ? { authorization: `Bearer ${testJwt(claims)}` } : {}),
      ...options.headers,
    },
    requestContext: {
      accountId: '123456789012',
      apiId: 'abc123',
      domainName: 'api.example.org',
      domainPrefix: 'api',
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: '203.0.113.7', userAgent: 'curl/8' },
      requestId: 'req-1',
      routeKey: `${method} ${path}`,
      stage: '$default',
      time: '22/Nov/2026:07:00:00 +0000',
      timeEpoch: 1_795_000_000_000,
    },
    body: options.body,
    isBase64Encoded: false,
  };
}

export const lambdaContext = {
  functionName: 'test',
  awsRequestId: 'req-1',
  getRemainingTimeInMillis: () => 30_000,
} as unknown as Context;
