import { Logger as PowertoolsLogger } from '@aws-lambda-powertools/logger';
import { Metrics as PowertoolsMetrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Logger } from '../../ports/logger';
import type { Metrics } from '../../ports/metrics';
import { mapBundleStacks } from './source-maps';

/** The Logger port on Powertools' structured JSON logger (CloudWatch Logs, one object a line). */
export function powertoolsLogger(serviceName: string, level: string): Logger {
  mapBundleStacks(); // what it logs of an error names the sources' lines (the map read on the first stack)
  const logger = new PowertoolsLogger({ serviceName, logLevel: level.toUpperCase() as 'INFO' });
  return {
    debug: (obj, msg) => logger.debug(msg ?? '', obj),
    info: (obj, msg) => logger.info(msg ?? '', obj),
    warn: (obj, msg) => logger.warn(msg ?? '', obj),
    error: (obj, msg) => logger.error(msg ?? '', obj),
  };
}

/**
 * The Metrics port as CloudWatch Embedded Metric Format through Powertools: no API calls, the
 * figures ride on the log lines. `publish()` at the end of each invocation.
 */
export function powertoolsMetrics(serviceName: string): Metrics & { publish(): void } {
  const metrics = new PowertoolsMetrics({ namespace: 'Sessionplane', serviceName });
  let stored = false;
  // A single metric (with its own dimensions) is written at once; stored ones wait for publish().
  const one = (
    name: string,
    unit: (typeof MetricUnit)[keyof typeof MetricUnit],
    value: number,
    dimensions: Record<string, string>,
  ) => {
    const single = metrics.singleMetric();
    for (const [k, v] of Object.entries(dimensions)) single.addDimension(k, v);
    single.addMetric(name, unit, value);
  };
  return {
    launchToReady: (ms, app) => one('LaunchToReady', MetricUnit.Milliseconds, ms, { app }),
    launchPhase: (phase, ms, app) => one('LaunchPhase', MetricUnit.Milliseconds, ms, { phase, app }),
    sessionFailed: (reason, app) => one('SessionsFailed', MetricUnit.Count, 1, { reason, app }),
    sessionsReaped: (reason, count) => one('SessionsReaped', MetricUnit.Count, count, { reason }),
    liveSessions: (count) => {
      stored = true;
      metrics.addMetric('LiveSessions', MetricUnit.Count, count);
    },
    poolClaim: (app, hit, ms) => {
      one(hit ? 'PoolHits' : 'PoolMisses', MetricUnit.Count, 1, { app });
      if (hit) one('PoolClaimLatency', MetricUnit.Milliseconds, ms, { app });
    },
    poolReady: (app, ready) => one('PoolReady', MetricUnit.Count, ready, { app }),
    poolPaused: (app) => one('PoolPaused', MetricUnit.Count, 1, { app }),
    sessionSeconds: (app, seconds) => one('SessionSeconds', MetricUnit.Seconds, seconds, { app }),
    publish: () => {
      if (stored) metrics.publishStoredMetrics();
      stored = false;
    },
  };
}
