import { API_ROUTES } from '../../shared/config/api-routes';
import type { SessionAction } from '../../shared/domain/authorization';
import { API_DOORS, PLAYERS, ROLES, type Role } from './authorization-table';
import { httpApiEvent } from './lambda-events';

/** A row of the authorization matrix as the Lambda functions see it: the API Gateway event, and which function gets it. */
export interface LambdaMatrixRow {
  door: keyof typeof API_DOORS;
  action: SessionAction;
  role: Exclude<Role, 'anonymous'>;
  id: string;
  fn: string;
  event: unknown;
}

/** The function that serves a request, by the route table (API Gateway ignores a trailing slash: `/paraview/`). */
function routeOf(method: string, path: string): string {
  return API_ROUTES.find(
    (r) =>
      r.method === method &&
      new RegExp(`^${r.path.replace(/\{proxy\+\}/, '.+').replace(/\{[^}]+\}/g, '[^/]+')}/?$`).test(path),
  )!.fn;
}

/**
 * Every API door × action × role as an HTTP API event carrying the role's JWT claims (anonymous callers never reach a
 * Lambda: the HTTP API refuses them), each on `fresh()`'s session for a stop (one each) and on one shared session
 * otherwise; reads and controls first, then the stops.
 */
export async function lambdaMatrixRows(fresh: () => Promise<string>): Promise<LambdaMatrixRow[]> {
  const roles = ROLES.filter((r): r is Exclude<Role, 'anonymous'> => r !== 'anonymous');
  const shared = await fresh();
  const rows: LambdaMatrixRow[] = [];
  for (const [door, d] of Object.entries(API_DOORS) as [
    keyof typeof API_DOORS,
    (typeof API_DOORS)[keyof typeof API_DOORS],
  ][])
    for (const [action, ask] of Object.entries(d.asks) as [
      SessionAction,
      (id: string) => { method: string; path: string; query?: string; body?: string; form?: boolean },
    ][])
      for (const role of roles) {
        const id = action === 'stop' ? await fresh() : shared;
        const { method, path, query, body, form } = ask(id);
        const player = PLAYERS[role];
        const claims = {
          sub: player.user,
          'cognito:groups': `[${[...player.groups, ...(player.admin ? ['sessionplane-admins'] : [])].join(' ')}]`,
        };
        const headers: Record<string, string> = form ? { 'content-type': 'application/x-www-form-urlencoded' } : {};
        rows.push({
          door,
          action,
          role,
          id,
          fn: routeOf(method, path),
          event: httpApiEvent(method, path, {
            claims,
            headers,
            ...(body ? { body } : {}),
            ...(query ? { query } : {}),
          }),
        });
      }
  return rows.sort((a, b) => Number(a.action === 'stop') - Number(b.action === 'stop'));
}
