import { describe, expect, it } from 'vitest';
import { ALL_GROUPS } from '../../functions/api/all-groups';
import { createApp } from '../../functions/api/app';
import type { ApiDeps } from '../../functions/api/context';
import { openApiDocument } from '../../functions/api/openapi';
import { API_ROUTES, FUNCTION_GROUPS, type ApiFunctionName, type ApiRoute } from '../../shared/config/api-routes';
import { synthStack } from '../support/infra';

/** Enough of the deps for the apps to be built: routes are only listed here, never called. */
const deps = {
  rateLimit: 10,
  anonymousRateLimit: 10,
  maxBodyBytes: 1024,
  corsOrigins: [],
  logger: { debug() {}, info() {}, warn() {}, error() {} },
} as unknown as ApiDeps;

/** The method and path of every route a function's hono app mounts (`:id` as one segment). */
function mounted(fn: ApiFunctionName): { method: string; path: string }[] {
  const seen = new Set<string>();
  const groups = Object.fromEntries(FUNCTION_GROUPS[fn].map((g) => [g, ALL_GROUPS[g]]));
  return createApp(deps, groups, { openApi: openApiDocument })
    .routes.filter((r) => ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'].includes(r.method) && !r.path.includes('*'))
    .map((r) => ({ method: r.method, path: r.path.replace(/\/+$/, '') || '/' }))
    .filter((r) => !seen.has(`${r.method} ${r.path}`) && seen.add(`${r.method} ${r.path}`));
}

/** Whether a deployed route (API Gateway form) takes a mounted hono path. */
function takes(route: ApiRoute, method: string, path: string): boolean {
  if (route.method !== method) return false;
  const pattern = new RegExp(
    `^${route.path
      .replace(/\./g, '\\.')
      .replace(/\{proxy\+\}/g, '.+')
      .replace(/\{[A-Za-z]+\}/g, '[^/]+')}$`,
  );
  return pattern.test(path.replace(/:[A-Za-z]+(\{[^}]*\})?/g, 'x'));
}

function mismatches(routes: readonly ApiRoute[]): string[] {
  const problems: string[] = [];
  for (const fn of Object.keys(FUNCTION_GROUPS) as ApiFunctionName[]) {
    const local = mounted(fn);
    for (const r of local) {
      if (!routes.some((route) => takes(route, r.method, r.path)))
        problems.push(`${fn} mounts ${r.method} ${r.path}, which is not deployed`);
    }
    for (const route of routes.filter((x) => x.fn === fn)) {
      if (!local.some((r) => takes(route, r.method, r.path)))
        problems.push(`${route.method} ${route.path} is deployed to ${fn}, which does not mount it`);
    }
  }
  return problems;
}

describe('one route table (#12 item 3)', () => {
  it('deploys every route a function mounts, and mounts every route deployed to it', () => {
    expect(mismatches(API_ROUTES)).toEqual([]);
  });

  it('fails on a route mounted but not deployed, and on one deployed but not mounted', () => {
    expect(mismatches(API_ROUTES.filter((r) => !(r.method === 'POST' && r.path === '/sessions/{id}/renew')))).toEqual([
      'api-write mounts POST /sessions/:id/renew, which is not deployed',
    ]);
    expect(mismatches([...API_ROUTES, { method: 'GET', path: '/sessions/{id}/snapshot', fn: 'api-read' }])).toEqual([
      'GET /sessions/{id}/snapshot is deployed to api-read, which does not mount it',
    ]);
    expect(mismatches(API_ROUTES.map((r) => (r.path === '/apps' ? { ...r, fn: 'api-read' as const } : r)))).toEqual(
      expect.arrayContaining(['GET /apps is deployed to api-read, which does not mount it']),
    );
  });

  it('describes in OpenAPI only routes that are deployed', () => {
    const doc = openApiDocument('https://api.example.org') as { paths: Record<string, Record<string, unknown>> };
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const method of Object.keys(ops))
        expect(
          API_ROUTES.some((r) => takes(r, method.toUpperCase(), path.replace(/\{([a-z]+)\}/g, ':$1'))),
          `${method} ${path}`,
        ).toBe(true);
    }
  });

  it('is what the stack deploys: one HTTP API route per table entry, none behind a gateway authorizer (the functions decide)', () => {
    const { template } = synthStack({});
    const routes = Object.values(template.findResources('AWS::ApiGatewayV2::Route')) as {
      Properties: { RouteKey: string; AuthorizationType?: string };
    }[];
    expect(routes.map((r) => r.Properties.RouteKey).sort()).toEqual(
      API_ROUTES.map((r) => `${r.method} ${r.path}`).sort(),
    );
    for (const r of routes) expect(r.Properties.AuthorizationType ?? 'NONE', r.Properties.RouteKey).toBe('NONE');
  }, 120_000);
});
