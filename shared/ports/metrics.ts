/** The figures operators watch. Locally they are log lines; on Lambda, CloudWatch EMF. */
export interface Metrics {
  launchToReady(ms: number, app: string): void;
  /** How long one step of a launch took (shared/domain/events.ts launchTimings). */
  launchPhase(phase: string, ms: number, app: string): void;
  sessionFailed(reason: string, app: string): void;
  sessionsReaped(reason: string, count: number): void;
  liveSessions(count: number): void;
  /** A launch the pool could serve: a hit (PoolHits, and the claim's latency) or a miss (PoolMisses). */
  poolClaim(app: string, hit: boolean, ms: number): void;
  /** Instances ready and unclaimed in an app's pool (PoolReady), after each keeper pass. */
  poolReady(app: string, ready: number): void;
  /** The keeper paused an app's pool after failed starts (PoolPaused). */
  poolPaused(app: string): void;
  /** A session ended after this many seconds (SessionSeconds, by app): what usage is billed by. */
  sessionSeconds(app: string, seconds: number): void;
}

export const noMetrics: Metrics = {
  launchToReady() {},
  launchPhase() {},
  sessionFailed() {},
  sessionsReaped() {},
  liveSessions() {},
  poolClaim() {},
  poolReady() {},
  poolPaused() {},
  sessionSeconds() {},
};
