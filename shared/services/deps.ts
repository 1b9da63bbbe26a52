import type { Policy } from '../domain/limits';
import type { Clock } from '../ports/clock';
import type { IdempotencyStore } from '../ports/idempotency-store';
import type { Logger } from '../ports/logger';
import type { Metrics } from '../ports/metrics';
import type { QuotaStore } from '../ports/quota-store';
import type { Runtime } from '../ports/runtime';
import type { SessionStore } from '../ports/session-store';
import type { AppCatalog } from './catalog';

/** What the use cases need; every entry (API, local server, Lambdas) builds one. */
export interface ServiceDeps {
  store: SessionStore;
  quotas: QuotaStore;
  idempotency: IdempotencyStore;
  runtime: Runtime;
  apps: AppCatalog;
  clock: Clock;
  logger: Logger;
  metrics: Metrics;
}

/** What launching needs besides: the policy it enforces and the key credentials are derived with. */
export interface LaunchDeps extends ServiceDeps {
  policy: Policy;
  /** ≥ 32 bytes; only functions that launch or show credentials hold it. */
  tokenKey: Buffer;
}
