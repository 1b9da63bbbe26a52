/**
 * Every route of the control API, declared once. The CDK stack makes the HTTP API's routes from
 * it (each to its function, with the JWT authorizer unless `public`); each Lambda entry mounts
 * its function's route groups; a test checks the hono apps against it both ways (a route mounted
 * but not deployed, or deployed but not mounted) and the OpenAPI document against it.
 *
 * Paths are in API Gateway's form: `{id}` one segment, `{proxy+}` the rest.
 */
export type ApiFunctionName = 'api-read' | 'api-write' | 'api-catalog';
export type RouteGroup = 'read' | 'write' | 'catalog' | 'launcher' | 'skaha';

export interface ApiRoute {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  fn: ApiFunctionName;
  /** No credential needed (the gateway's authorizer is off for it). */
  public?: true;
}

/** What each function's hono app mounts (the local server mounts every group). */
export const FUNCTION_GROUPS = {
  'api-read': ['read', 'skaha'],
  'api-write': ['write', 'launcher', 'skaha'],
  'api-catalog': ['catalog'],
} as const satisfies Record<ApiFunctionName, readonly RouteGroup[]>;

/** The route groups function F mounts: its entry passes exactly these (checked by the compiler). */
export type GroupsOf<F extends ApiFunctionName> = (typeof FUNCTION_GROUPS)[F][number];

export const ALL_ROUTE_GROUPS: readonly RouteGroup[] = ['read', 'write', 'catalog', 'launcher', 'skaha'];

export const API_ROUTES: readonly ApiRoute[] = [
  { method: 'GET', path: '/sessions', fn: 'api-read' },
  { method: 'GET', path: '/sessions/{id}', fn: 'api-read' },
  { method: 'GET', path: '/sessions/{id}/events', fn: 'api-read' },
  { method: 'GET', path: '/sessions/{id}/logs', fn: 'api-read' },
  { method: 'POST', path: '/sessions', fn: 'api-write' },
  { method: 'DELETE', path: '/sessions/{id}', fn: 'api-write' },
  { method: 'PATCH', path: '/sessions/{id}', fn: 'api-write' },
  { method: 'DELETE', path: '/sessions/groups/{group}', fn: 'api-write' },
  { method: 'POST', path: '/sessions/{id}/renew', fn: 'api-write' },
  { method: 'POST', path: '/sessions/{id}/activity', fn: 'api-write', public: true },
  { method: 'GET', path: '/sessions/{id}/shares', fn: 'api-read' },
  { method: 'GET', path: '/usage', fn: 'api-read' },
  { method: 'POST', path: '/sessions/{id}/shares', fn: 'api-write' },
  { method: 'DELETE', path: '/sessions/{id}/shares/{shareId}', fn: 'api-write' },
  { method: 'GET', path: '/homes', fn: 'api-read' },
  { method: 'GET', path: '/homes/me/files', fn: 'api-read' },
  { method: 'GET', path: '/homes/me/files/{proxy+}', fn: 'api-read' },
  { method: 'PUT', path: '/homes/me/files/{proxy+}', fn: 'api-write' },
  { method: 'DELETE', path: '/homes/me/files/{proxy+}', fn: 'api-write' },
  { method: 'GET', path: '/tokens', fn: 'api-read' },
  { method: 'POST', path: '/tokens', fn: 'api-write' },
  { method: 'DELETE', path: '/tokens/{id}', fn: 'api-write' },
  { method: 'GET', path: '/pools', fn: 'api-read' },
  { method: 'POST', path: '/pools/{app}/pause', fn: 'api-write' },
  { method: 'POST', path: '/pools/{app}/resume', fn: 'api-write' },
  { method: 'POST', path: '/pools/{app}/recycle', fn: 'api-write' },
  { method: 'GET', path: '/apps', fn: 'api-catalog' },
  { method: 'GET', path: '/apps/{name}/icon', fn: 'api-catalog' },
  // The wslink launcher (trame clients) and skaha's API (its curl users and Python client).
  { method: 'POST', path: '/paraview', fn: 'api-write' },
  { method: 'GET', path: '/paraview/{proxy+}', fn: 'api-write' },
  { method: 'DELETE', path: '/paraview/{proxy+}', fn: 'api-write' },
  { method: 'POST', path: '/launcher', fn: 'api-write' },
  { method: 'GET', path: '/launcher/{proxy+}', fn: 'api-write' },
  { method: 'DELETE', path: '/launcher/{proxy+}', fn: 'api-write' },
  { method: 'GET', path: '/skaha/{proxy+}', fn: 'api-read' },
  { method: 'GET', path: '/skaha/capabilities', fn: 'api-read', public: true },
  { method: 'GET', path: '/skaha/availability', fn: 'api-read', public: true },
  { method: 'POST', path: '/skaha/{proxy+}', fn: 'api-write' },
  { method: 'DELETE', path: '/skaha/{proxy+}', fn: 'api-write' },
  { method: 'GET', path: '/healthz', fn: 'api-catalog', public: true },
  { method: 'GET', path: '/openapi.json', fn: 'api-catalog', public: true },
];
