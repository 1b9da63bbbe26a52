import { Hono } from 'hono';
import type { RouterConfig } from '../../shared/config/env';
import { systemClock } from '../../shared/ports/clock';
import type { Logger } from '../../shared/ports/logger';
import type { SignOuts } from '../../shared/ports/sign-outs';
import { problemOf } from '../http/problem';
import { problemResponse } from '../api/problem';
import { remoteApi } from '../portal/api-client';

import { PortalSessions } from '../portal/cookie';
import { oidcSignInOf } from '../portal/oidc';
import { portalRoutes } from '../portal/routes';

/**
 * The portal as the router service serves it on AWS, on the sessions' own origin: users sign in
 * through the OIDC issuer (Cognito by default), and every datum and action goes to the HTTP API at
 * its URL with the user's own ID token, which their cookie carries encrypted. The router itself
 * gains one permission: to record a sign-out (`signout#` keys only), so a kept cookie is refused;
 * the API decides what each user may do.
 */
export function routerPortal(config: RouterConfig, logger: Logger, signOuts: SignOuts) {
  if (!config.portal) return undefined;
  const portal = new PortalSessions(config.portal.key, {
    maxAgeSeconds: 12 * 3600,
    secure: config.publicUrl.startsWith('https:'),
    signOuts,
  });
  const app = portalRoutes({
    portal,
    api: remoteApi(config.portal.apiUrl),
    // Files are the files service's, beside the router in its task (the API functions have no homes mount).
    ...(config.filesService ? { files: remoteApi(config.filesService) } : {}),
    oidc: oidcSignInOf(config, () => config.publicUrl),
    clock: systemClock,
    logger,
    publicUrl: () => config.publicUrl,
  });
  const root = new Hono().route('/', app);
  root.notFound((c) => problemResponse(c, problemOf('route.not_found', 'Not a session or portal route.')));
  // The event stream (served by the router, as API Gateway cannot) accepts the same cookie.
  return { app: root, authenticator: portal.authenticator() };
}
