import { loadAppsFile } from '../../shared/config/apps-file';
import { loadLocalConfig } from '../../shared/config/env';
import { ConfigError } from '../../shared/domain/errors';
import { composeLocal } from './compose';
import { listenLocal } from './http-server';
import { createLogger } from '../../shared/adapters/pino-logger';

// `npm start`: the API and the session router on one port, sessions as child processes, the
// store embedded in the data directory.
try {
  const config = loadLocalConfig();
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
      `Portal: ${local.url}/ (sign in with a token below, or one of the tokens file's)`,
      `Apps: ${[...apps.keys()].join(', ')} (from ${config.appsFile})`,
      `Data: ${config.dataDir}`,
      `Containers: ${plane.engineAddress ?? 'none (image apps need Docker or Podman: set DOCKER_HOST)'}`,
      `Admin token (kept in ${config.dataDir}/admin-token):`,
      `  export SESSIONPLANE_TOKEN=${plane.adminToken}`,
      'Launch a session:',
      `  curl -s -H "Authorization: Bearer $SESSIONPLANE_TOKEN" -X POST ${local.url}/sessions -d '{"app":"${first}"}'`,
      '',
      '',
    ].join('\n'),
  );

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) process.exit(1); // a second Ctrl-C: do not wait
    stopping = true;
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
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
} catch (error) {
  if (error instanceof ConfigError) {
    process.stderr.write(`sessionplane: ${error.message}\n`);
    process.exit(2);
  }
  throw error;
}
