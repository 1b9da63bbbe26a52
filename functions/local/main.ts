import { loadAppsFile } from '../../shared/config/apps-file';
import { loadLocalConfig } from '../../shared/config/env';
import { ConfigError } from '../../shared/domain/errors';
import { composeLocal } from './compose';
import { withLauncherFile } from './launcher-file';
import { listenLocal } from './http-server';
import { createLogger } from '../../shared/adapters/in-process/pino-logger';

/** A signal this long after the first is a person asking again, not the same signal relayed. */
const SECOND_SIGNAL_AFTER_MS = 1000;

// `npm start`: the API and the session router on one port, sessions as child processes, the
// store embedded in the data directory.
try {
  const config = withLauncherFile(loadLocalConfig());
  const apps = loadAppsFile(config.appsFile);
  const logger = createLogger(config.logLevel, undefined, { pretty: process.stdout.isTTY });
  const plane = await composeLocal({ config, apps, logger });
  const local = await listenLocal(plane, config.port, config.host, { maxHeaderBytes: config.maxHeaderBytes });
  const first = [...apps.keys()][0];
  // Like Jupyter, print the token that lets the person who started the server in.
  process.stdout.write(
    [
      '',
      `Sessionplane is listening on ${local.url}`,
      config.portal
        ? `Portal: ${local.url}/ (sign in with a token below, or one of the tokens file's)`
        : `Pages: ${local.url}/ (${config.www}; SESSIONPLANE_PORTAL=off)`,
      `Apps: ${[...apps.keys()].join(', ')} (from ${config.appsFile})`,
      `Data: ${config.dataDir}`,
      `Containers: ${plane.engineAddress ?? 'none (image apps need Docker or Podman: set DOCKER_HOST)'}`,
      `Admin token: kept in ${config.dataDir}/admin-token`,
      'To use the API from another shell (the README walks through it):',
      `  export SESSIONPLANE_URL=${local.url}`,
      `  export SESSIONPLANE_TOKEN=${plane.adminToken}`,
      `  curl -s -H "Authorization: Bearer $SESSIONPLANE_TOKEN" -X POST "$SESSIONPLANE_URL/sessions" -d '{"app":"${first}"}'`,
      '',
      '',
    ].join('\n'),
  );

  // A terminal's Ctrl-C, systemd's stop and `docker stop` signal the whole process group: npm and
  // this process get it together, and npm passes its own on, so the same signal arrives twice
  // within moments. Only a signal more than a second after the first is a person's second Ctrl-C:
  // stop waiting. (#33)
  let stoppingSince: number | undefined;
  const shutdown = async (signal: string) => {
    if (stoppingSince !== undefined) {
      if (performance.now() - stoppingSince < SECOND_SIGNAL_AFTER_MS) return;
      logger.warn({ signal }, 'a second signal: exiting without waiting for the sessions');
      process.exit(1);
    }
    stoppingSince = performance.now();
    logger.info({ signal }, 'shutting down: stopping every session');
    // Bounded: the stop grace for the sessions, plus time for the store and open requests. What a
    // forced exit leaves running, the next start finds by its marker and stops.
    const bound = config.stopGraceMs + 10_000;
    setTimeout(() => {
      logger.error({ boundMs: bound }, 'shutdown took too long: exiting');
      process.exit(1);
    }, bound).unref();
    await local.close().catch((error: unknown) => logger.error({ err: error }, 'shutdown failed'));
    process.exit(0);
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => void shutdown(signal));
} catch (error) {
  if (error instanceof ConfigError) {
    process.stderr.write(`sessionplane: ${error.message}\n`);
    process.exit(2);
  }
  throw error;
}
