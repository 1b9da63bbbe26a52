import { loadTokensFile, type TokenTable } from '../../shared/config/auth-tokens';
import type { LocalConfig } from '../../shared/config/env';
import { hashToken } from '../../shared/domain/ids';
import type { Clock } from '../../shared/ports/clock';
import type { Logger } from '../../shared/ports/logger';
import type { SignOuts } from '../../shared/ports/sign-outs';
import type { ApiDeps } from '../api/context';
import { inProcessApi } from '../portal/api-client';
import { PortalSessions } from '../portal/cookie';
import { oidcSignInOf } from '../portal/oidc';
import { portalRoutes } from '../portal/routes';

/** The local users: the generated admin, and those of the tokens file. */
function localUsers(config: LocalConfig, adminToken: string): TokenTable {
  const table: TokenTable = config.authTokensFile ? loadTokensFile(config.authTokensFile) : new Map();
  table.set(hashToken(adminToken), { user: 'admin', admin: true });
  return table;
}

/**
 * The portal on one machine: its users (the admin and the tokens file), its sign-in cookie
 * (HttpOnly, SameSite=Lax, signed with a key derived from the token key), and its pages, which
 * call this same process's API in-process with the user's cookie.
 */
export function localPortal(
  config: LocalConfig,
  secrets: { tokenKey: Buffer; adminToken: string },
  clock: Clock,
  logger: Logger,
  signOuts: SignOuts,
) {
  const users = localUsers(config, secrets.adminToken);
  const portal = new PortalSessions(secrets.tokenKey, {
    maxAgeSeconds: 12 * 3600,
    secure: (config.publicUrl ?? '').startsWith('https:'),
    signOuts,
  });
  return {
    users,
    authenticator: portal.authenticator(),
    /** The pages, once the API app they call exists. */
    pages: (deps: Pick<ApiDeps, 'urls'>, api: () => { fetch(request: Request): Response | Promise<Response> }) =>
      portalRoutes({
        portal,
        api: inProcessApi((request) => Promise.resolve(api().fetch(request))),
        oidc: oidcSignInOf(config, () => deps.urls.publicUrl),
        signIn: (token) => users.get(hashToken(token)),
        clock,
        logger,
        publicUrl: () => deps.urls.publicUrl,
      }),
  };
}
