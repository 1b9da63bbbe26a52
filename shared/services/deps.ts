import type { Policy } from '../domain/limits';
import type { Session } from '../domain/session';
import type { Clock } from '../ports/clock';
import type { IdempotencyStore } from '../ports/idempotency-store';
import type { Homes } from '../ports/homes';
import type { Logger } from '../ports/logger';
import type { Metrics } from '../ports/metrics';
import type { QuotaStore } from '../ports/quota-store';
import type { Runtime } from '../ports/runtime';
import type { SessionChanges } from '../ports/session-changes';
import type { SessionEventLog } from '../ports/session-events';
import type { SessionStore } from '../ports/session-store';
import type { AppCatalog } from './catalog';

/** What the use cases need; every entry (API, local server, Lambdas) builds one. */
export interface ServiceDeps {
  store: SessionStore;
  /** Each session's event log (what happened, for the events API, the stream, the holding page). */
  events: SessionEventLog;
  quotas: QuotaStore;
  idempotency: IdempotencyStore;
  runtime: Runtime;
  apps: AppCatalog;
  clock: Clock;
  logger: Logger;
  metrics: Metrics;
  /** Word of changes to session records, where this process sees every write (the local server). */
  changes?: SessionChanges | undefined;
  /** Users' homes, where this deployment keeps them (apps with `home` need them). */
  homes?: Homes | undefined;
}

/** What launching needs besides: the policy it enforces and the key credentials are derived with. */
export interface LaunchDeps extends ServiceDeps {
  policy: Policy;
  /** ≥ 32 bytes; only functions that launch or show credentials hold it. */
  tokenKey: Buffer;
}

/** What a launch returns (here, beside its deps, so launch and idempotent-launch share it without a cycle). */
export interface LaunchResult {
  session: Session;
  /** The router access token; the store keeps only its hash. */
  token: string;
  /** The app's own secret (trame `--authKey`, the wslink hello); never stored. */
  secret: string;
  /** True when an Idempotency-Key retry got the first request's session. */
  replayed: boolean;
}
