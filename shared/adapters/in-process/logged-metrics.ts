import type { Logger } from '../../ports/logger';
import type { Metrics } from '../../ports/metrics';

/** Metrics as log lines (the local server): the same figures the Lambdas send as EMF. */
export function loggedMetrics(logger: Logger): Metrics {
  return {
    launchToReady: (ms, app) => logger.info({ metric: 'LaunchToReady', ms, app }, `launch to ready in ${ms} ms`),
    launchPhase: (phase, ms, app) =>
      logger.info({ metric: 'LaunchPhase', phase, ms, app }, `launch phase ${phase}: ${ms} ms`),
    sessionFailed: (reason, app) => logger.info({ metric: 'SessionFailed', reason, app }, `session failed: ${reason}`),
    sessionsReaped: (reason, count) =>
      logger.info({ metric: 'SessionsReaped', reason, count }, `reaped ${count} (${reason})`),
    liveSessions: (count) => logger.info({ metric: 'LiveSessions', count }, `${count} live sessions`),
    poolClaim: (app, hit, ms) =>
      logger.info(
        { metric: hit ? 'PoolHits' : 'PoolMisses', app, ms },
        hit ? `pool hit for ${app}: claimed in ${ms.toFixed(1)} ms` : `pool miss for ${app}`,
      ),
    poolReady: (app, ready) => logger.debug({ metric: 'PoolReady', app, ready }, `${ready} ready in the ${app} pool`),
    poolPaused: (app) => logger.warn({ metric: 'PoolPaused', app }, `the ${app} pool is paused`),
    sessionSeconds: (app, seconds) => logger.debug({ metric: 'SessionSeconds', app, seconds }, 'session seconds'),
  };
}
