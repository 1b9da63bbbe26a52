import { deriveSessionCredential } from '../domain/ids';
import type { LaunchDeps } from './deps';

/** The owner's credentials of a session: the router token and the app's secret. */
export function sessionCredentials(
  deps: Pick<LaunchDeps, 'tokenKey'>,
  sessionId: string,
): { token: string; secret: string } {
  return {
    token: deriveSessionCredential(deps.tokenKey, 'token', sessionId),
    secret: deriveSessionCredential(deps.tokenKey, 'secret', sessionId),
  };
}
