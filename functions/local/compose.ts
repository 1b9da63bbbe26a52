import { join, resolve } from 'node:path';
import type { Hono, MiddlewareHandler } from 'hono';
import { createDocumentClient } from '../../shared/adapters/dynamodb/dynamodb-client';
import { DynamoDbIdempotencyStore } from '../../shared/adapters/dynamodb/dynamodb-idempotency-store';
import { DynamoDbQuotaStore } from '../../shared/adapters/dynamodb/dynamodb-quota-store';
import { DynamoDbSessionStore } from '../../shared/adapters/dynamodb/dynamodb-session-store';
import { DynamoDbPoolStore } from '../../shared/adapters/dynamodb/dynamodb-pool-store';
import { DynamoDbUsageStore } from '../../shared/adapters/dynamodb/dynamodb-usage-store';
import { CachedPoolStore } from '../../shared/adapters/in-process/cached-pool-store';
import { portRefuses } from '../../shared/adapters/runtime/readiness';
import { DynamoDbSessionEventLog } from '../../shared/adapters/dynamodb/dynamodb-event-log';
import { NotifyingSessionEventLog } from '../../shared/adapters/in-process/notifying-event-log';
import { NotifyingSessionStore } from '../../shared/adapters/in-process/notifying-session-store';
import { ensureSessionsTable } from '../../shared/adapters/dynamodb/dynamodb-table';
import { startEmbeddedDynamoDb, type EmbeddedDynamoDb } from '../../shared/adapters/dynamodb/embedded-dynamodb';
import { repairEmbeddedIndexes } from '../../shared/adapters/dynamodb/embedded-dynamodb-repair';
import { FileSessionLogs } from '../../shared/adapters/in-process/file-session-logs';
import { DynamoDbUserIds } from '../../shared/adapters/dynamodb/dynamodb-user-ids';
import { FolderHomes, passableHomes } from '../../shared/adapters/homes/folder-homes';
import { ImageApps } from '../../shared/adapters/images/image-apps';
import type { RuntimeByApp } from '../../shared/adapters/runtime/by-app';
import { loggedMetrics } from '../../shared/adapters/in-process/logged-metrics';
import { CapacityError } from '../../shared/domain/errors';
import { isFinal } from '../../shared/domain/session';
import type { LocalConfig } from '../../shared/config/env';
import type { AppSpec } from '../../shared/domain/app';
import { systemClock, type Clock } from '../../shared/ports/clock';
import type { Logger } from '../../shared/ports/logger';
import { AppCatalog } from '../../shared/services/catalog';
import type { LaunchDeps } from '../../shared/services/deps';
import { PoolLoop } from '../../shared/services/pools/pool-loop';
import { reap } from '../../shared/services/reaper/reap';
import { reconcileAll } from '../../shared/services/reaper/reconcile';
import { handleRuntimeEvent } from '../../shared/services/runtime-events';
import { stopSession } from '../../shared/services/stop';
import { ALL_GROUPS } from '../api/all-groups';
import { createApp } from '../api/app';
import { openApiDocument } from '../api/openapi';
import { anyOf, bearerTokens, verifiedJwt, type Authenticate } from '../api/auth/authenticators';
import { createRouter, type SessionRouter } from '../router/router';
import type { ApiDeps, ApiEnv } from '../api/context';
import { ensureSecretFile } from './credentials';
import { localRuntimes } from './runtimes';
import { pagesOf, staticPages } from './www';
import { localPortal } from './portal';
import { DynamoDbSignOuts } from '../../shared/adapters/dynamodb/dynamodb-sign-outs';
import { hostCapacity } from '../api/routes/skaha-catalog';

export interface LocalPlane {
  app: Hono<ApiEnv>;
  deps: ApiDeps;
  /** Processes and containers, as services see them. */
  runtime: RuntimeByApp;
  /** The warm pools' keeper. */
  pools: PoolLoop;
  /** A session's log file (processes and containers write to one folder). */
  logPath(sessionId: string): string;
  /** The container engine in use, if any. */
  engineAddress?: string;
  /** The session router, served on the API's port. */
  router: SessionRouter;
  /** The local admin's bearer token (printed at start, kept in the data directory). */
  adminToken: string;
  /** Where the store is (the embedded dynalite's loopback address, or the configured endpoint). */
  dynamodbEndpoint: string;
  /** Sets the public URL once the listening port is known. */
  setPublicUrl(url: string): void;
  /** Resolves when every runtime event seen so far has been applied to the store. */
  settled(): Promise<void>;
  /** Closes proxied sockets (1001), stops every session (reason `shutdown`), then the store. */
  close(): Promise<void>;
}

export interface ComposeOptions {
  config: LocalConfig;
  apps: ReadonlyMap<string, AppSpec>;
  logger: Logger;
  /** Keep the embedded store in memory instead of the data directory (tests, benchmarks). */
  inMemory?: boolean;
  clock?: Clock;
  /** Instead of the local bearer tokens (tests). */
  authenticate?: Authenticate;
}

/**
 * Builds the whole control plane in one process: the embedded (or configured) DynamoDB, the
 * local-process runtime with its events wired to the use cases, and the API. Before it serves, it
 * stops what an earlier run left and ends the records of sessions whose process is gone.
 */
export async function composeLocal(options: ComposeOptions): Promise<LocalPlane> {
  const { config, logger } = options;
  const dataDir = resolve(config.dataDir);
  const homesDir = resolve(config.homesDir ?? join(dataDir, 'homes'));
  // Where an app has a home, its sessions' uids must reach it: checked (and made so where the
  // folders are this server's) before anything starts.
  if ([...options.apps.values()].some((app) => app.home)) await passableHomes(homesDir, dataDir);
  // Secrets first: a weak one stops start-up before anything is running.
  const adminToken = ensureSecretFile(join(dataDir, 'admin-token'));
  const tokenKey = config.tokenKey ?? Buffer.from(ensureSecretFile(join(dataDir, 'token-key')), 'hex');
  let embedded: EmbeddedDynamoDb | undefined;
  if (!config.dynamodbEndpoint)
    embedded = await startEmbeddedDynamoDb(options.inMemory ? {} : { path: join(dataDir, 'db') });
  const dynamodbEndpoint = config.dynamodbEndpoint ?? embedded!.endpoint;
  const client = createDocumentClient({ endpoint: dynamodbEndpoint, region: config.region });
  await ensureSessionsTable(client, config.tableName);
  if (embedded && !options.inMemory) await repairEmbeddedIndexes(client, config.tableName, logger);

  const { runtime, processes, containers, engineAddress, images, cannotRun } = await localRuntimes(
    config,
    dataDir,
    logger,
  );
  const imageApps = images
    ? new ImageApps([images], { allowedPrefixes: config.policy.imagePrefixes, ttlMs: config.discoveryTtlMs, logger })
    : undefined;
  await imageApps?.refresh();
  const clock = options.clock ?? systemClock;
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
  let keeper: PoolLoop | undefined;
  const services: LaunchDeps = {
    store,
    changes: store,
    events: new NotifyingSessionEventLog(new DynamoDbSessionEventLog(client, config.tableName)),
    quotas: new DynamoDbQuotaStore(client, config.tableName, () => clock.now()),
    idempotency: new DynamoDbIdempotencyStore(client, config.tableName, () => clock.now()),
    runtime,
    apps: new AppCatalog(options.apps, cannotRun, imageApps),
    clock,
    logger,
    metrics: loggedMetrics(logger),
    policy: config.policy,
    tokenKey,
    // Homes outlive every session, restart and data-directory wipe of sessions: never removed here.
    usage: new DynamoDbUsageStore(client, config.tableName, config.usageRetentionMs),
    homes: new FolderHomes(homesDir, new DynamoDbUserIds(client, config.tableName, () => clock.now())),
    pools: {
      store: poolStore,
      poke: () => keeper?.poke(),
      reachable: (endpoint) => {
        const at = endpoint.lastIndexOf(':');
        return portRefuses(endpoint.slice(0, at), Number(endpoint.slice(at + 1)), 500).then((refused) => !refused);
      },
      defer: (work) => (keeper ? keeper.defer(work) : void work()),
      capacityShort: () => keeper?.capacityShort(),
      failures: { pauseAfter: config.pools.pauseAfter, backoffBaseMs: config.pools.backoffBaseMs },
    },
  };

  const inFlight = new Set<Promise<unknown>>();
  runtime.onEvent((event) => {
    const work = handleRuntimeEvent(services, event)
      .catch((error: unknown) =>
        logger.error({ err: error, sessionId: event.sessionId }, 'could not apply a runtime event'),
      )
      .finally(() => inFlight.delete(work));
    inFlight.add(work);
  });

  // What an earlier run left: its processes are stopped (their pipes went with it); its containers
  // are taken back if their session is live, removed if not. Then the records of what is gone end.
  await processes.stopStrays();
  // Only a live session that recorded this very container keeps it: a launch cut short before
  // its record (PENDING, no instance) is failed by the reconcile below, so its container goes.
  // A pool's unclaimed container is taken back the same way, if its record names it.
  await containers?.adopt(async (id, runtimeId) => {
    const s = await store.get(id);
    if (s) return !isFinal(s.status) && s.runtime?.runtimeId === runtimeId ? services.apps.get(s.app) : undefined;
    const pooled = await poolStore.get(id);
    return pooled && pooled.state !== 'CLAIMED' && pooled.runtime?.runtimeId === runtimeId
      ? services.apps.get(pooled.app)
      : undefined;
  });
  await reconcileAll(services, { noLaunchInFlight: true });
  // The pools are rebuilt from what is left (records checked against the runtime), then filled, gradually.
  keeper = new PoolLoop(
    { ...services, pools: services.pools! },
    { holder: `local:${process.pid}`, ...config.pools, claimGraceMs: 30_000, capacityWaitMs: 30_000, pokeDelayMs: 200 },
  );
  await keeper.start();

  const portal = localPortal(
    config,
    { tokenKey, adminToken },
    clock,
    logger,
    new DynamoDbSignOuts(client, config.tableName),
  );
  const deps: ApiDeps = {
    ...services,
    urls: {
      publicUrl: config.publicUrl ?? `http://${config.host}:${config.port}`,
      useHost: config.trameUseHost,
      urlPrefix: config.trameUrlPrefix,
      sessionDomain: config.sessionDomain,
      keepsPrefix: (app) => services.apps.get(app)?.stripPrefix === false,
    },
    authenticate:
      options.authenticate ??
      anyOf(
        bearerTokens(portal.users),
        portal.authenticator,
        ...(config.oidc
          ? [
              verifiedJwt({
                ...config.oidc,
                onError: (error) => logger.warn({ err: error.message }, 'cannot reach the OIDC issuer'),
              }),
            ]
          : []),
      ),
    maxBodyBytes: config.maxBodyBytes,
    rateLimit: config.rateLimit,
    anonymousRateLimit: config.anonymousRateLimit,
    logs: new FileSessionLogs((id) => processes.logPath(id)),
    corsOrigins: config.corsOrigins,
    launcherTimeoutMs: config.launcherTimeoutMs,
    // One machine: what it has is what its sessions share (skaha's ?view=stats).
    capacity: hostCapacity,
    // GET /usage's estimate: zero on one machine unless a price table is configured.
    prices: config.prices ? { table: config.prices, source: 'configured (SESSIONPLANE_PRICES)' } : undefined,
    eventStream: { keepaliveMs: config.eventKeepaliveMs },
  };
  const settled = async () => {
    while (inFlight.size) await Promise.allSettled([...inFlight]);
  };

  const router = createRouter({
    ...services,
    secureCookies: deps.urls.publicUrl.startsWith('https:'),
    urls: deps.urls,
    lookupCacheMs: config.lookupCacheMs,
    activityIntervalMs: config.activityIntervalMs,
    missLimit: config.anonymousRateLimit,
    holding: { events: services.events, logs: deps.logs, keepaliveMs: config.eventKeepaliveMs },
  });

  // The reaper, on a timer; a pass still running when the next is due is not doubled.
  let reaping: Promise<unknown> | undefined;
  const reaper = setInterval(() => {
    reaping ??= reap(services, { concurrency: 10, callTimeoutMs: config.stopGraceMs + 10_000 })
      .catch((error: unknown) => logger.error({ err: error }, 'reaper pass failed'))
      .finally(() => (reaping = undefined));
  }, config.reaperIntervalMs);
  reaper.unref();

  // Shutdown refuses new API requests (503) and waits for those in flight before the store closes.
  let closing = false;
  const requests = new Set<Promise<void>>();
  const gate: MiddlewareHandler = async (_c, next) => {
    if (closing) throw new CapacityError('The server is shutting down.', 5);
    const handled = next();
    requests.add(handled);
    try {
      await handled;
    } finally {
      requests.delete(handled);
    }
  };
  const drainRequests = async (withinMs: number) => {
    const deadline = new Promise<void>((r) => setTimeout(r, withinMs).unref());
    while (requests.size) await Promise.race([Promise.allSettled([...requests]), deadline]).then(() => undefined);
  };

  // Static pages first (they fall through when nothing matches), then the API. The portal is a
  // client of this same API.
  const pages = pagesOf(
    portal.pages(deps, () => app),
    staticPages(config.www),
  );
  const app = createApp(deps, ALL_GROUPS, { pages, gate, openApi: openApiDocument });
  return {
    app,
    deps,
    runtime,
    pools: keeper,
    logPath: (id) => processes.logPath(id),
    ...(engineAddress ? { engineAddress } : {}),
    router,
    adminToken,
    dynamodbEndpoint,
    setPublicUrl: (url) => {
      if (!config.publicUrl) deps.urls.publicUrl = url;
    },
    settled,
    close: async () => {
      closing = true;
      clearInterval(reaper);
      await keeper.close();
      // New launches are refused (503) from here; those in flight finish starting, and what they
      // started is stopped below with everything else (#11 M1).
      await Promise.all([processes.closeStarts(), containers?.closeStarts()]);
      await reaping;
      await router.shutdown();
      const live: string[] = [];
      for await (const s of services.store.listLive()) live.push(s.id);
      await Promise.allSettled(live.map((id) => stopSession(services, id, 'shutdown')));
      // The pools' records go first (claimed ones are their sessions'), so their instances' exits
      // below are not taken for failed starts; the instances go with everything else.
      await Promise.allSettled(
        (await poolStore.list()).filter((i) => i.state !== 'CLAIMED').map((i) => poolStore.remove(i)),
      );
      await Promise.all([processes.stopAll('shutdown'), containers?.stopAll('shutdown')]);
      await drainRequests(config.stopGraceMs + 5000);
      await settled();
      client.destroy();
      await embedded?.close();
    },
  };
}
