import type { PriceTable } from '../../shared/domain/usage';
import type { Hono } from 'hono';
import type { Principal } from '../../shared/domain/principal';
import type { Authenticate } from './auth/authenticators';
import type { UrlSettings } from '../../shared/domain/urls';
import type { SessionLogs } from '../../shared/ports/session-logs';
import type { LaunchDeps } from '../../shared/services/deps';

/** Everything the HTTP app needs, built by each entry (local server, Lambda). */
export interface ApiDeps extends LaunchDeps {
  urls: UrlSettings;
  /** The caller of a request, or undefined when it carries no valid credential. */
  authenticate: Authenticate;
  maxBodyBytes: number;
  /** Requests a minute per user. */
  rateLimit: number;
  /** Requests without a valid credential a minute, per client address. */
  anonymousRateLimit: number;
  logs: SessionLogs;
  /** Origins whose pages may call the launcher and the API (CORS); none: same origin only. */
  corsOrigins: string[];
  /**
   * Where this process can stream server-sent events (not behind API Gateway): how often a quiet stream says it is
   * alive.
   */
  eventStream?: { keepaliveMs: number } | undefined;
  /** How long the wslink launcher waits for READY before replying with the sessionURL anyway. */
  launcherTimeoutMs: number;
  /** The price table GET /usage estimates cost with, and where its figures come from. */
  prices?: { table: PriceTable; source: string } | undefined;
  /** The largest file one upload takes. */
  maxUploadBytes: number;
  /** Where /homes/me/files is served when not here (AWS: the router service's origin): its callers are sent there. */
  filesUrl?: string | undefined;
  /** What the runtime can run at most (cores, MiB), where it is one machine: skaha's `?view=stats`. */
  capacity?: (() => { cpu: number; memory: number } | undefined) | undefined;
}

/**
 * Mounts one route group (shared/config/api-routes.ts) on the API; each entry passes the groups it
 * serves. `publicRoutes`, if any, are mounted before authentication (documents anyone may read).
 */
export type GroupMount = ((app: Hono<ApiEnv>, deps: ApiDeps) => void) & {
  publicRoutes?: (app: Hono<ApiEnv>, deps: ApiDeps) => void;
};

export interface ApiEnv {
  /** `rateLimit` is hono-rate-limiter's record of the caller's window. */
  Variables: { principal: Principal; rateLimit?: { resetTime?: Date | undefined } };
}
