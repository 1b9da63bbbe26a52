/** The figures operators watch. Locally they are log lines; on Lambda, CloudWatch EMF. */
export interface Metrics {
  launchToReady(ms: number, app: string): void;
  sessionFailed(reason: string, app: string): void;
  sessionsReaped(reason: string, count: number): void;
  liveSessions(count: number): void;
}

export const noMetrics: Metrics = { launchToReady() {}, sessionFailed() {}, sessionsReaped() {}, liveSessions() {} };
