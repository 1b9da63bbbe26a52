import { join, resolve } from 'node:path';
import type { Hono } from 'hono';
import { passableHomes } from '../../shared/adapters/homes/folder-homes';
import { ImageApps } from '../../shared/adapters/images/image-apps';
import type { RuntimeByApp } from '../../shared/adapters/runtime/by-app';
import type { LocalConfig } from '../../shared/config/env';
import type { AppSpec } from '../../shared/domain/app';
import { systemClock, type Clock } from '../../shared/ports/clock';
import type { Logger } from '../../shared/ports/logger';
import { AppCatalog } from '../../shared/services/catalog';
import { PoolLoop } from '../../shared/services/pools/pool-loop';
import { stopSession } from '../../shared/services/stop';
import { ALL_GROUPS } from '../api/all-groups';
import { createApp } from '../api/app';
import { openApiDocument } from '../api/openapi';
import type { Authenticate } from '../api/auth/authenticators';
import { createRouter, type SessionRouter } from '../router/router';
import type { ApiDeps, ApiEnv } from '../api/context';
import { ensureSecretFile } from './credentials';
import { localRuntimes } from './runtimes';
import { pagesOf, staticPages } from '../http/www';
import { localPortal } from './portal';
import { DynamoDbSignOuts } from '../../shared/adapters/dynamodb/dynamodb-sign-outs';
import { applyRuntimeEvents, queueDispatcher, reaperTimer, recoverEarlierRun, requestGate } from './lifecycle';
import { localApiDeps } from './api-deps';
import { localServices, openLocalStore } from './services';
import { activityUrlOf } from '../../shared/domain/urls';

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
  /** A wslink launcher file's own endpoint, which the launcher answers at too. */
  launcherEndpoint?: string | undefined;
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
// Over 60 lines: the composition root, its steps in the order start-up needs them, and the shutdown order in one place.
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
  const store = await openLocalStore(config, dataDir, !!options.inMemory, logger);
  const runtimes = await localRuntimes(config, dataDir, logger);
  const { runtime, processes, containers, engineAddress, images, cannotRun } = runtimes;
  const imageApps = images
    ? new ImageApps([images], { allowedPrefixes: config.policy.imagePrefixes, ttlMs: config.discoveryTtlMs, logger })
    : undefined;
  await imageApps?.refresh();
  const clock = options.clock ?? systemClock;
  let keeper: PoolLoop | undefined;
  const { services, poolStore } = localServices({
    config,
    store,
    runtime,
    apps: new AppCatalog(options.apps, cannotRun, imageApps),
    clock,
    logger,
    tokenKey,
    homesDir,
    keeper: () => keeper,
  });
  // Where a session's app says it is busy: this server's own address (its port known once it listens).
  let apiUrl = () => config.publicUrl ?? `http://${config.host}:${config.port}`;
  services.activityUrl = activityUrlOf(() => apiUrl());
  const queue = queueDispatcher(services, config, logger);
  const { settled } = applyRuntimeEvents(runtime, services, logger, queue.kick);
  await recoverEarlierRun(services, poolStore, runtimes);
  // The pools are rebuilt from what is left (records checked against the runtime), then filled, gradually.
  keeper = new PoolLoop(
    { ...services, pools: services.pools! },
    { holder: `local:${process.pid}`, ...config.pools, claimGraceMs: 30_000, capacityWaitMs: 30_000, pokeDelayMs: 200 },
  );
  await keeper.start();
  // Launches an earlier run left waiting (killed outright) take their turn.
  queue.kick();

  const signOuts = new DynamoDbSignOuts(store.client, config.tableName);
  const portal = localPortal(config, { tokenKey, adminToken }, clock, logger, signOuts);
  const deps = localApiDeps(config, services, portal, processes, logger, options.authenticate);
  apiUrl = () => deps.urls.publicUrl;
  const router = createRouter({
    ...services,
    secureCookies: deps.urls.publicUrl.startsWith('https:'),
    urls: deps.urls,
    lookupCacheMs: config.lookupCacheMs,
    activityIntervalMs: config.activityIntervalMs,
    socketInputIdleMs: config.socketInputIdleMs,
    missLimit: config.anonymousRateLimit,
    holding: { events: services.events, logs: deps.logs, keepaliveMs: config.eventKeepaliveMs },
  });
  const reaper = reaperTimer(services, config, logger);
  const requests = requestGate();

  // Static pages first (they fall through when nothing matches), then the API. The portal is a
  // client of this same API.
  // With the portal off, `/` is the web client's index.html, as in the trame image.
  const pages = pagesOf(
    ...(config.portal ? [portal.pages(deps, () => app)] : []),
    staticPages(config.www, services.apps.list()),
  );
  const app = createApp(deps, ALL_GROUPS, { pages, gate: requests.gate, openApi: openApiDocument });
  return {
    app,
    deps,
    runtime,
    pools: keeper,
    logPath: (id) => processes.logPath(id),
    ...(engineAddress ? { engineAddress } : {}),
    router,
    launcherEndpoint: config.launcher.endpoint,
    adminToken,
    dynamodbEndpoint: store.endpoint,
    setPublicUrl: (url) => {
      if (!config.publicUrl) deps.urls.publicUrl = url;
    },
    settled,
    close: async () => {
      requests.close();
      await queue.stop();
      const reaped = reaper.stop();
      await keeper.close();
      // New launches are refused (503) from here; those in flight finish starting, and what they
      // started is stopped below with everything else (#11 M1).
      await Promise.all([processes.closeStarts(), containers?.closeStarts()]);
      await reaped;
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
      await requests.drain(config.stopGraceMs + 5000);
      await settled();
      store.client.destroy();
      await store.embedded?.close();
    },
  };
}
