import type { APIGatewayProxyEventV2WithJWTAuthorizer, Context } from 'aws-lambda';

/** An API Gateway HTTP API (payload 2.0) event, as the JWT authorizer passes it on. */
export function httpApiEvent(
  method: string,
  path: string,
  options: {
    body?: string;
    claims?: Record<string, unknown> | null;
    headers?: Record<string, string>;
    query?: string;
  } = {},
): APIGatewayProxyEventV2WithJWTAuthorizer {
  const claims = options.claims === undefined ? { sub: 'alice', 'cognito:groups': '[users]' } : options.claims;
  return {
    version: '2.0',
    routeKey: `${method} ${path}`,
    rawPath: path,
    rawQueryString: options.query ?? '',
    headers: { 'content-type': 'application/json', host: 'api.example.org', ...options.headers },
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
      authorizer: claims
        ? { principalId: '', integrationLatency: 0, jwt: { claims: claims as Record<string, string>, scopes: [] } }
        : (undefined as never),
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
