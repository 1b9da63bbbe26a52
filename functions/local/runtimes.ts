import { createHash } from 'node:crypto';
import { join, resolve } from 'node:path';
import { EngineImages } from '../../shared/adapters/images/engine-images';
import type { ImageSource } from '../../shared/ports/image-source';
import { RuntimeByApp } from '../../shared/adapters/runtime/by-app';
import { ContainerRuntime } from '../../shared/adapters/runtime/container/container-runtime';
import { containerEngine, engineAnswers } from '../../shared/adapters/runtime/container/engine';
import { LocalProcessRuntime } from '../../shared/adapters/runtime/local-process/local-process-runtime';
import { ephemeralPorts, overlap } from '../../shared/adapters/runtime/local-process/port-allocator';
import type { LocalConfig } from '../../shared/config/env';
import type { AppSpec } from '../../shared/domain/app';
import type { Logger } from '../../shared/ports/logger';
import type { CannotRun } from '../../shared/services/catalog';

export interface LocalRuntimes {
  /** What services hold: processes and containers as one. */
  runtime: RuntimeByApp;
  processes: LocalProcessRuntime;
  /** Present when a container engine is configured and answers. */
  containers?: ContainerRuntime;
  /** Where the engine is, for the start-up log. */
  engineAddress?: string;
  /** The engine's labelled images, as apps. */
  images?: ImageSource;
  cannotRun: CannotRun;
}

const imageOf = (app: AppSpec, image?: string) => image ?? app.image;

/**
 * One machine's runtimes: an app with an image runs as a container when a container engine is
 * there (SESSIONPLANE_CONTAINER_HOST, DOCKER_HOST, or a default socket); an app with a command runs
 * as a process otherwise. An engine that is configured but does not answer stops start-up; one
 * found only by its default socket and silent is left out (a warning says so).
 */
// Over 60 lines: each runtime's options, field by field, and the container engine's discovery.
export async function localRuntimes(config: LocalConfig, dataDir: string, logger: Logger): Promise<LocalRuntimes> {
  const liveness = {
    intervalMs: config.livenessIntervalMs,
    failures: config.livenessIntervalMs > 0 ? 3 : 0,
    timeoutMs: Math.min(5000, Math.max(200, config.livenessIntervalMs)),
  };
  const logDir = join(dataDir, 'logs');
  const ephemeral = ephemeralPorts();
  const shared = overlap(config.portRange, ephemeral);
  if (shared)
    logger.warn(
      { portRange: config.portRange.join('-'), ephemeral: ephemeral!.join('-') },
      `SESSIONPLANE_PORT_RANGE overlaps the ports this system gives outgoing connections (${shared.join('-')}): a session may find its port taken and fail to start; a range below them (the default 9001-9500) avoids it`,
    );
  const processes = new LocalProcessRuntime({
    host: config.sessionHost,
    portRange: config.portRange,
    logDir,
    logLinkDir: config.launcher.logDir,
    runDir: join(dataDir, 'run'),
    stopGraceMs: config.stopGraceMs,
    baseEnv: config.inheritedEnv,
    secretEnv: config.secretEnv,
    liveness,
    logger,
  });
  let containers: ContainerRuntime | undefined;
  const engine = containerEngine(config.containerHost);
  if (engine && (await engineAnswers(engine.docker))) {
    containers = new ContainerRuntime({
      docker: engine.docker,
      // This data directory's containers, not another server's on the same engine.
      plane: createHash('sha256').update(resolve(dataDir)).digest('hex').slice(0, 16),
      logDir,
      stopGraceMs: config.stopGraceMs,
      network: config.containerNetwork,
      secretEnv: config.secretEnv,
      volumesDir: resolve(config.volumesDir ?? join(dataDir, 'volumes')),
      liveness,
      logger,
    });
    await containers.ready();
  } else if (engine && config.containerHost) {
    throw new Error(
      `The container engine at ${engine.address} does not answer (SESSIONPLANE_CONTAINER_HOST / DOCKER_HOST).`,
    );
  } else if (engine) {
    logger.warn(
      { engine: engine.address },
      'a container engine socket is there but does not answer: image apps cannot run',
    );
  }
  const runsContainer = (app: AppSpec, image?: string) => !!containers && !!imageOf(app, image);
  const runsProcess = (app: AppSpec, image?: string) => !runsContainer(app, image) && app.command.length > 0;
  const runtime = new RuntimeByApp([
    ...(containers
      ? [{ runtime: containers, runs: runsContainer, owns: (id: string) => id.startsWith('container:') }]
      : []),
    { runtime: processes, runs: runsProcess, owns: (id: string) => id.startsWith('local:') },
  ]);
  const cannotRun: CannotRun = (app, image) => {
    if (runtime.choose(app, image)) return undefined;
    return `app ${app.name} names only an image, and this server has no container engine (set SESSIONPLANE_CONTAINER_HOST or DOCKER_HOST)`;
  };
  return {
    runtime,
    processes,
    ...(containers ? { containers, engineAddress: engine!.address, images: new EngineImages(engine!.docker) } : {}),
    cannotRun,
  };
}
