import type { LocalConfig } from '../../shared/config/env';
import { FileSessionLogs } from '../../shared/adapters/in-process/file-session-logs';
import type { LaunchDeps } from '../../shared/services/deps';
import type { Logger } from '../../shared/ports/logger';
import { anyOf, bearerTokens, personalTokens, verifiedJwt, type Authenticate } from '../api/auth/authenticators';
import type { ApiDeps } from '../api/context';
import { hostCapacity } from '../api/routes/skaha-catalog';
import type { localPortal } from './portal';
import type { LocalRuntimes } from './runtimes';

/** What the API adds to the services on one machine: its URLs, who may call it, its limits, the logs in files. */
export function localApiDeps(
  config: LocalConfig,
  services: LaunchDeps,
  portal: ReturnType<typeof localPortal>,
  processes: LocalRuntimes['processes'],
  logger: Logger,
  authenticate: Authenticate | undefined,
): ApiDeps {
  return {
    ...services,
    urls: {
      publicUrl: config.publicUrl ?? `http://${config.host}:${config.port}`,
      useHost: config.trameUseHost,
      urlPrefix: config.trameUrlPrefix,
      sessionDomain: config.sessionDomain,
      keepsPrefix: (app) => services.apps.get(app)?.stripPrefix === false,
      webClient: (app) => services.apps.get(app)?.webClient === true,
      bar: (app) => services.apps.get(app)?.bar === true,
    },
    authenticate:
      authenticate ??
      anyOf(
        bearerTokens(portal.users),
        personalTokens(services),
        portal.authenticator,
        ...(config.oidc
          ? [
              verifiedJwt({
                ...config.oidc,
                onError: (error) => logger.warn({ err: error.message }, 'cannot reach the OIDC issuer'),
              }),
            ]
          : []),
      ),
    maxBodyBytes: config.maxBodyBytes,
    maxUploadBytes: config.maxUploadBytes,
    rateLimit: config.rateLimit,
    anonymousRateLimit: config.anonymousRateLimit,
    logs: new FileSessionLogs((id) => processes.logPath(id)),
    corsOrigins: config.corsOrigins,
    launcherTimeoutMs: config.launcherTimeoutMs,
    // One machine: what it has is what its sessions share (skaha's ?view=stats).
    capacity: hostCapacity,
    // GET /usage's estimate: zero on one machine unless a price table is configured.
    prices: config.prices ? { table: config.prices, source: 'configured (SESSIONPLANE_PRICES)' } : undefined,
    eventStream: { keepaliveMs: config.eventKeepaliveMs },
  };
}
