import { FolderHomeFiles } from '../../shared/adapters/homes/folder-home-files';
import { DynamoDbApiTokens } from '../../shared/adapters/dynamodb/dynamodb-api-tokens';
import { join } from 'node:path';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoDbSessionEventLog } from '../../shared/adapters/dynamodb/dynamodb-event-log';
import { DynamoDbIdempotencyStore } from '../../shared/adapters/dynamodb/dynamodb-idempotency-store';
import { DynamoDbPoolStore } from '../../shared/adapters/dynamodb/dynamodb-pool-store';
import { DynamoDbQuotaStore } from '../../shared/adapters/dynamodb/dynamodb-quota-store';
import { DynamoDbSessionStore } from '../../shared/adapters/dynamodb/dynamodb-session-store';
import { ensureSessionsTable } from '../../shared/adapters/dynamodb/dynamodb-table';
import { DynamoDbUsageStore } from '../../shared/adapters/dynamodb/dynamodb-usage-store';
import { DynamoDbUserIds } from '../../shared/adapters/dynamodb/dynamodb-user-ids';
import { createDocumentClient } from '../../shared/adapters/dynamodb/dynamodb-client';
import { type EmbeddedDynamoDb, startEmbeddedDynamoDb } from '../../shared/adapters/dynamodb/embedded-dynamodb';
import { inProcessDocumentClient } from '../../shared/adapters/dynamodb/in-process-document-client';
import { repairEmbeddedIndexes } from '../../shared/adapters/dynamodb/embedded-dynamodb-repair';
import { FolderHomes } from '../../shared/adapters/homes/folder-homes';
import { CachedPoolStore } from '../../shared/adapters/in-process/cached-pool-store';
import { loggedMetrics } from '../../shared/adapters/in-process/logged-metrics';
import { NotifyingSessionEventLog } from '../../shared/adapters/in-process/notifying-event-log';
import { NotifyingSessionStore } from '../../shared/adapters/in-process/notifying-session-store';
import type { RuntimeByApp } from '../../shared/adapters/runtime/by-app';
import { portRefuses } from '../../shared/adapters/runtime/readiness';
import type { LocalConfig } from '../../shared/config/env';
import type { Clock } from '../../shared/ports/clock';
import type { Logger } from '../../shared/ports/logger';
import type { PoolStore } from '../../shared/ports/pool-store';
import type { AppCatalog } from '../../shared/services/catalog';
import type { LaunchDeps } from '../../shared/services/deps';
import type { PoolLoop } from '../../shared/services/pools/pool-loop';

export interface LocalStore {
  client: DynamoDBDocumentClient;
  /** The embedded dynalite, unless an endpoint is configured. */
  embedded?: EmbeddedDynamoDb | undefined;
  endpoint: string;
}

/**
 * The embedded store (in the data directory, or in memory), or the configured endpoint; the table made and, after a
 * crash, repaired.
 */
export async function openLocalStore(
  config: LocalConfig,
  dataDir: string,
  inMemory: boolean,
  logger: Logger,
): Promise<LocalStore> {
  let embedded: EmbeddedDynamoDb | undefined;
  if (!config.dynamodbEndpoint) embedded = await startEmbeddedDynamoDb(inMemory ? {} : { path: join(dataDir, 'db') });
  const endpoint = config.dynamodbEndpoint ?? embedded!.endpoint;
  // The embedded store is reached in this process, with none of the SDK's path; a configured endpoint through the SDK.
  const client = embedded
    ? inProcessDocumentClient(embedded.handler)
    : createDocumentClient({ endpoint, region: config.region });
  await ensureSessionsTable(client, config.tableName);
  if (embedded && !inMemory) await repairEmbeddedIndexes(client, config.tableName, logger);
  return { client, embedded, endpoint };
}

export interface LocalServicesInput {
  config: LocalConfig;
  store: LocalStore;
  runtime: RuntimeByApp;
  apps: AppCatalog;
  clock: Clock;
  logger: Logger;
  tokenKey: Buffer;
  homesDir: string;
  /** The pools' keeper, once it exists (it is built from these services). */
  keeper: () => PoolLoop | undefined;
}

/** What the use cases run on in one process: the stores on the table, the runtimes, homes in folders. */
export function localServices(input: LocalServicesInput): { services: LaunchDeps; poolStore: PoolStore } {
  const { config, clock, logger } = input;
  const { client, embedded } = input.store;
  // This process is the embedded store's only writer (LevelDB's lock sees to it), so its writes
  // are every change there is: waiters wake at once, and reads are served from the records it has
  // seen. With a configured endpoint another writer may share the table, so reads go to it; waiters
  // still re-read at their poll interval.
  const store = new NotifyingSessionStore(
    new DynamoDbSessionStore(client, config.tableName, (why, key) =>
      logger.warn({ key, why }, 'unreadable session record skipped'),
    ),
    { cacheReads: !!embedded },
  );
  // As for sessions: the pool's records are kept in memory where this process is the store's only writer.
  const poolStore = embedded
    ? new CachedPoolStore(new DynamoDbPoolStore(client, config.tableName))
    : new DynamoDbPoolStore(client, config.tableName);
  const homes = new FolderHomes(input.homesDir, new DynamoDbUserIds(client, config.tableName, () => clock.now()));
  const services: LaunchDeps = {
    store,
    changes: store,
    events: new NotifyingSessionEventLog(new DynamoDbSessionEventLog(client, config.tableName)),
    quotas: new DynamoDbQuotaStore(client, config.tableName, () => clock.now()),
    idempotency: new DynamoDbIdempotencyStore(client, config.tableName, () => clock.now()),
    runtime: input.runtime,
    apps: input.apps,
    clock,
    logger,
    metrics: loggedMetrics(logger),
    policy: config.policy,
    tokenKey: input.tokenKey,
    // Homes outlive every session, restart and data-directory wipe of sessions: never removed here.
    usage: new DynamoDbUsageStore(client, config.tableName, config.usageRetentionMs, () => clock.now()),
    apiTokens: new DynamoDbApiTokens(client, config.tableName),
    homes,
    homeFiles: new FolderHomeFiles(homes, config.homeQuotaBytes),
    pools: {
      store: poolStore,
      poke: () => input.keeper()?.poke(),
      reachable: (endpoint) => {
        const at = endpoint.lastIndexOf(':');
        return portRefuses(endpoint.slice(0, at), Number(endpoint.slice(at + 1)), 500).then((refused) => !refused);
      },
      defer: (work) => (input.keeper() ? input.keeper()!.defer(work) : void work()),
      capacityShort: () => input.keeper()?.capacityShort(),
      failures: { pauseAfter: config.pools.pauseAfter, backoffBaseMs: config.pools.backoffBaseMs },
    },
  };

  return { services, poolStore };
}
