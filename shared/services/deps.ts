import type { HomeFiles } from '../ports/home-files';
import type { ApiTokenStore } from '../ports/api-tokens';
import type { UsageStore } from '../ports/usage-store';
import type { AppSpec } from '../domain/app';
import type { Policy } from '../domain/limits';
import type { Session } from '../domain/session';
import type { Clock } from '../ports/clock';
import type { IdempotencyStore } from '../ports/idempotency-store';
import type { Homes } from '../ports/homes';
import type { Logger } from '../ports/logger';
import type { Metrics } from '../ports/metrics';
import type { PoolStore } from '../ports/pool-store';
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
  /** Warm pools, where this deployment keeps them. */
  pools?: Pools | undefined;
  /** Usage records, one per ended session, where this deployment keeps them. */
  usage?: UsageStore | undefined;
  /** Users' files in their homes through the API, where this deployment offers them (one machine). */
  homeFiles?: HomeFiles | undefined;
  /** People's personal API tokens, where this deployment keeps them. */
  apiTokens?: ApiTokenStore | undefined;
}

/** The warm pools' records, and how to reach their keeper. */
export interface Pools {
  store: PoolStore;
  /**
   * Asks the keeper to tend an app's pool soon (the local server: at once); absent where the table's stream does it
   * (AWS).
   */
  poke?(app: string): void;
  /** What besides the app spec makes its instances (ECS: its deployed task definition), for the spec hash. */
  revision?(app: AppSpec): string;
  /**
   * False when an instance's endpoint (host:port) is known closed (refused), where this process can reach it (one
   * machine).
   */
  reachable?(endpoint: string): Promise<boolean>;
  /** Runs work that only tells (a claim's event and count) after the reply (the local keeper); absent: at once. */
  defer?(work: () => Promise<unknown>): void;
  /** A user launch found no capacity: refills wait, so users come first (the local keeper). */
  capacityShort?(): void;
  /** After how many failed starts in a row a pool pauses, and the first backoff (default POOL_FAILURES). */
  failures?: { pauseAfter: number; backoffBaseMs?: number };
}

/** A pool pauses itself after 5 failed starts in a row; backoff starts at 5 s and doubles. */
export const POOL_FAILURES = { pauseAfter: 5, backoffBaseMs: 5000 } as const;

/** What launching needs besides: the policy it enforces and the key credentials are derived with. */
export interface LaunchDeps extends ServiceDeps {
  policy: Policy;
  /** ≥ 32 bytes; only functions that launch or show credentials hold it. */
  tokenKey: Buffer;
  /** Where a session's app reports its own activity (`POST /sessions/{id}/activity` at the API's address). */
  activityUrl?: ((sessionId: string) => string) | undefined;
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
  /** True when a warm pool's ready instance became the session (READY in this reply). */
  pooled?: boolean;
}
