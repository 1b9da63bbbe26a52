import { createServer } from 'node:http';
import { getRequestListener } from '@hono/node-server';
import { DynamoDbApiTokens } from '../../shared/adapters/dynamodb/dynamodb-api-tokens';
import { createDocumentClient } from '../../shared/adapters/dynamodb/dynamodb-client';
import { DynamoDbUserIds } from '../../shared/adapters/dynamodb/dynamodb-user-ids';
import { FolderHomeFiles } from '../../shared/adapters/homes/folder-home-files';
import { FolderHomes } from '../../shared/adapters/homes/folder-homes';
import { createLogger } from '../../shared/adapters/in-process/pino-logger';
import { loadFilesConfig } from '../../shared/config/files-env';
import { ConfigError } from '../../shared/domain/errors';
import { systemClock } from '../../shared/ports/clock';
import { anyOf, personalTokens, verifiedJwt } from '../api/auth/authenticators';
import { createFilesApp } from '../api/files-app';

/**
 * Users' files on AWS (#38): the container beside the router in its task, the only one that mounts the homes file
 * system (its `/homes`, through an access point of its own). It runs as root, as it must to give what it writes to its
 * owner's uid (the uid their sessions' access point names), and listens on the task's localhost only: the router
 * sends it `/homes/me/files`, and it verifies each caller itself (a personal token, the API's JWT) exactly as the API
 * does. A home is made on first use as EFS would make it for the user's access point (`/homes/<home name>`, 0700,
 * theirs), so a session need never have run.
 */
try {
  const config = loadFilesConfig();
  const logger = createLogger(config.logLevel);
  const client = createDocumentClient({ endpoint: config.dynamodbEndpoint, region: config.region });
  const homes = new FolderHomes(config.homesDir, new DynamoDbUserIds(client, config.tableName));
  const app = createFilesApp({
    homeFiles: new FolderHomeFiles(homes, config.homeQuotaBytes),
    maxUploadBytes: config.maxUploadBytes,
    logger,
    authenticate: anyOf(
      personalTokens({ apiTokens: new DynamoDbApiTokens(client, config.tableName), clock: systemClock }),
      verifiedJwt({ ...config.oidc, onError: (error) => logger.warn({ err: error.message }, 'OIDC discovery failed') }),
    ),
  });
  const server = createServer(getRequestListener(app.fetch));
  // An upload takes as long as it takes: no request timeout (the router's and the load balancer's idle timeouts hold).
  server.requestTimeout = 0;
  server.listen(config.port, config.host, () =>
    logger.info({ port: config.port, host: config.host, homes: config.homesDir }, 'files service listening'),
  );
  process.once('SIGTERM', () => {
    server.close(() => process.exit(0));
    server.closeIdleConnections();
    setTimeout(() => process.exit(0), 25_000).unref();
  });
} catch (error) {
  if (error instanceof ConfigError) {
    process.stderr.write(`sessionplane files: ${error.message}\n`);
    process.exit(2);
  }
  throw error;
}
