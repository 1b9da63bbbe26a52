/** The figures operators watch. Locally they are log lines; on Lambda, CloudWatch EMF. */
export interface Metrics {
  launchToReady(ms: number, app: string): void;
  /** How long one step of a launch took (shared/domain/events.ts launchTimings). */
  launchPhase(phase: string, ms: number, app: string): void;
  sessionFailed(reason: string, app: string): void;
  sessionsReaped(reason: string, count: number): void;
  liveSessions(count: number): void;
}

export const noMetrics: Metrics = { launchToReady() {}, launchPhase() {}, sessionFailed() {}, sessionsReaped() {}, liveSessions() {} };
