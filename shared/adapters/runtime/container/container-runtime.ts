// Over 300 lines: one class whose start, watch, end, stop and adoption share its instance registry and the engine's
// event stream; the engine calls, specs, output and instances are their own modules beside it.
import { containerCpuSeconds } from './engine-stats';
import { LRUCache } from 'lru-cache';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { CapacityError, RuntimeStartError, ShuttingDownError } from '../../../domain/errors';
import { startedPhases } from '../../../domain/events';
import pTimeout from 'p-timeout';
import { STATUS_REASONS } from '../../../domain/session';
import { silentLogger, type Logger } from '../../../ports/logger';
import type {
  Inspection,
  ManagedInstance,
  Runtime,
  RuntimeEvent,
  StartRequest,
  StartResult,
} from '../../../ports/runtime';
import { lineWatcher } from '../readiness';
import { RuntimeListeners } from '../runtime-listeners';
import { inspectionOf, startOutcomes, watchReadiness } from '../watch';
import { type ContainerInstance, exitOf, newInstance, statusCode } from './container-instance';
import { attachOutput, pastOutput } from './container-output';
import { CONTAINER_LABELS, containerSpec, publishedPort } from './container-spec';
import { volumeFolders } from './container-volumes';
import { createSessionContainer, planeContainers } from './engine';
import { type EngineEvent, followEngineEvents } from './engine-events';
import { type ContainerRuntimeOptions, containerIdOf, runtimeIdOf } from './container-options';

export type { ContainerRuntimeOptions } from './container-options';

const PROBE_HOST = '127.0.0.1';
/** How long a start waits for the engine's event stream before it says the engine is not answering. */
const ENGINE_WAIT_MS = 5000;
/**
 * Sessions as containers on a Docker Engine API (Docker, or Podman's compatible service): one per
 * session, labelled with its session, owner and app, its port published on 127.0.0.1 only, memory
 * and CPU enforced by the engine. Exits come from the engine's event stream at once; out-of-memory
 * is inferred where the engine does not say it (podman: exit 137 under a memory limit, not killed).
 */
export class ContainerRuntime implements Runtime {
  readonly kind = 'container';
  private readonly instances = new Map<string, ContainerInstance>();
  private readonly bySession = new Map<string, Promise<StartResult>>();
  private readonly exited = new LRUCache<string, { endpoint: string; exit: NonNullable<Inspection['exit']> }>({
    max: 1000,
    ttl: 10 * 60_000,
  });
  private readonly listeners: RuntimeListeners;
  private readonly logger: Logger;
  private readonly events: { close(): void; ready: Promise<void> };
  private readonly starting = new Set<Promise<unknown>>();
  private closing = false;

  constructor(private readonly options: ContainerRuntimeOptions) {
    this.logger = options.logger ?? silentLogger;
    this.listeners = new RuntimeListeners(this.logger);
    mkdirSync(options.logDir, { recursive: true });
    this.events = followEngineEvents(
      options.docker,
      `${CONTAINER_LABELS.plane}=${options.plane}`,
      { event: (e) => this.onEngineEvent(e), reconnected: () => void this.catchUp() },
      this.logger,
    );
  }

  logPath(sessionId: string): string {
    return join(this.options.logDir, `${sessionId}.log`);
  }

  /** Resolves once the engine's event stream is followed (nothing that dies after this is missed). */
  ready(): Promise<void> {
    return this.events.ready;
  }

  start(request: StartRequest): Promise<StartResult> {
    if (this.closing) return Promise.reject(new ShuttingDownError());
    const existing = this.bySession.get(request.session.id);
    if (existing) return existing;
    const starting = this.startContainer(request);
    this.bySession.set(request.session.id, starting);
    starting.catch(() => this.bySession.delete(request.session.id));
    this.starting.add(starting);
    void starting.finally(() => this.starting.delete(starting)).catch(() => undefined);
    return starting;
  }

  private async startContainer({
    session,
    app,
    secret,
    home,
    activityUrl,
    volumes,
  }: StartRequest): Promise<StartResult> {
    const { docker } = this.options;
    const image = session.image ?? app.image;
    if (!image) throw new RuntimeStartError(`App ${app.name} has no image to run as a container.`);
    // Nothing starts unless its exit can be seen: the engine's event stream must be followed.
    await pTimeout(this.events.ready, {
      milliseconds: ENGINE_WAIT_MS,
      message: `the engine event stream took longer than ${ENGINE_WAIT_MS} ms`,
    }).catch(() => {
      throw new CapacityError('The container engine does not answer.', 5);
    });
    const spec = containerSpec({
      session,
      app,
      secret,
      home,
      activityUrl,
      volumes: await volumeFolders(this.options.volumesDir, volumes),
      secretEnv: this.options.secretEnv ?? {},
      plane: this.options.plane,
      network: this.options.network,
    });
    const container = await createSessionContainer(docker, spec, image, session.id);
    const instance = newInstance(session.id, container.id, session.resources.memory);
    this.instances.set(instance.runtimeId, instance);
    try {
      // Attached before it starts, so not a line is missed (the ready line may be its first).
      instance.output = await attachOutput(docker, container, this.logPath(session.id), (error) =>
        this.logger.warn({ sessionId: session.id, err: error.message }, 'session log write failed'),
      );
      await container.start();
      const port = publishedPort(await container.inspect(), app.containerPort);
      if (!port) throw new Error('the engine published no port for it');
      instance.port = port;
      instance.endpoint = `${PROBE_HOST}:${port}`;
    } catch (cause) {
      this.instances.delete(instance.runtimeId);
      await container.remove({ force: true }).catch(() => undefined);
      throw new RuntimeStartError(`Could not start the session's container: ${(cause as Error).message}`, { cause });
    }
    this.watch(instance, app);
    this.logger.info(
      { sessionId: session.id, container: container.id.slice(0, 12), image, port: instance.port },
      'session container started',
    );
    return {
      runtimeId: instance.runtimeId,
      endpoint: instance.endpoint,
      phases: startedPhases(`Container ${container.id.slice(0, 12)} started from ${image}.`, app.ready, Date.now()),
    };
  }

  private watch(instance: ContainerInstance, app: StartRequest['app'], seenLine = false): void {
    const outcomes = startOutcomes(instance, app, PROBE_HOST, {
      emit: (event) => this.listeners.emit(event),
      stop: (runtimeId, reason) => void this.stop(runtimeId, reason),
      unresponsive: (evidence) => this.unresponsive(instance, evidence),
      liveness: this.options.liveness,
    });
    if (seenLine) {
      instance.ready = true;
      outcomes.ready();
      return;
    }
    watchReadiness(instance, app, PROBE_HOST, this.options, outcomes, instance.output);
  }

  private unresponsive(instance: ContainerInstance, evidence: string): void {
    instance.unresponsive = evidence;
    void this.stop(instance.runtimeId, STATUS_REASONS.unresponsive);
  }

  private onEngineEvent(event: EngineEvent): void {
    const instance = this.instances.get(runtimeIdOf(event.containerId));
    if (!instance) return;
    if (event.action === 'killed' && !instance.stopping) instance.killed = true;
    if (event.action === 'oom') instance.oom = true;
    if (event.action === 'died') void this.ended(instance, event.exitCode);
  }

  /** After the event stream was away: every instance the engine no longer runs has ended. */
  private async catchUp(): Promise<void> {
    for (const instance of this.instances.values()) {
      if (instance.exit) continue;
      const info = await this.options.docker
        .getContainer(instance.containerId)
        .inspect()
        .catch(() => undefined);
      if (!info?.State.Running) void this.ended(instance, info?.State.ExitCode);
    }
  }

  /** Records how an instance ended (once), removes its container, and reports the exit. */
  private async ended(instance: ContainerInstance, exitCode?: number): Promise<void> {
    if (instance.ending) return instance.ending;
    instance.ending = (async () => {
      const container = this.options.docker.getContainer(instance.containerId);
      const info = await container.inspect().catch(() => undefined);
      if (info?.State.OOMKilled) instance.oom = true;
      const exit = exitOf(instance, info?.State.ExitCode ?? exitCode ?? null);
      await container.remove({ force: true }).catch((error: unknown) => {
        if (statusCode(error) !== 404)
          this.logger.warn(
            { sessionId: instance.sessionId, err: (error as Error).message },
            'cannot remove an ended container',
          );
      });
      instance.exit = exit;
      instance.markExited();
      this.instances.delete(instance.runtimeId);
      this.bySession.delete(instance.sessionId);
      this.exited.set(instance.runtimeId, { endpoint: instance.endpoint, exit });
      this.logger.info(
        { sessionId: instance.sessionId, code: exit.code, reason: exit.reason },
        'session container ended',
      );
      const { code, signal, reason } = exit;
      const own = reason.startsWith(STATUS_REASONS.oom) || reason.startsWith(STATUS_REASONS.unresponsive);
      this.listeners.emit({
        type: 'exited',
        sessionId: instance.sessionId,
        runtimeId: instance.runtimeId,
        code,
        signal,
        wasReady: instance.ready,
        ...(own ? { reason } : {}),
      });
    })();
    return instance.ending;
  }

  async cpuSeconds(runtimeId: string): Promise<number | undefined> {
    const containerId = this.instances.get(runtimeId)?.containerId;
    return containerId ? containerCpuSeconds(this.options.docker, containerId) : undefined;
  }

  async inspect(runtimeId: string): Promise<Inspection> {
    return inspectionOf(this.instances.get(runtimeId), this.exited.get(runtimeId));
  }

  async stop(runtimeId: string, reason: string): Promise<{ confirmed: boolean }> {
    const instance = this.instances.get(runtimeId);
    const containerId = instance?.containerId ?? containerIdOf(runtimeId);
    if (!containerId) return { confirmed: true };
    const container = this.options.docker.getContainer(containerId);
    if (!instance) {
      // Not one this run started or adopted (an orphan): gone once the engine no longer has it.
      await container.remove({ force: true }).catch((error: unknown) => {
        if (statusCode(error) !== 404) throw error;
      });
      return { confirmed: true };
    }
    if (!instance.exit) {
      if (!instance.stopping) this.logger.info({ sessionId: instance.sessionId, reason }, 'stopping session container');
      instance.stopping = true;
      // SIGTERM, then SIGKILL after the grace (the engine's own stop), and the exit read at once.
      await container.stop({ t: Math.ceil(this.options.stopGraceMs / 1000) }).catch((error: unknown) => {
        if (![304, 404].includes(statusCode(error) ?? 0)) throw error;
      });
      await this.ended(instance);
    }
    return { confirmed: true };
  }

  async list(): Promise<ManagedInstance[]> {
    // Bounded: a reaper pass waits on this, and an engine that hangs must fail the pass, not stall every later one.
    const containers = await planeContainers(this.options.docker, this.options.plane, ENGINE_WAIT_MS * 2);
    return containers
      .filter((c) => !this.exited.has(runtimeIdOf(c.Id)))
      .map((c) => ({ runtimeId: runtimeIdOf(c.Id), sessionId: c.Labels[CONTAINER_LABELS.session] ?? '' }));
  }

  onEvent(listener: (event: RuntimeEvent) => void): () => void {
    return this.listeners.add(listener);
  }

  /**
   * After a restart: takes back each running container of this server's whose session `takeBack`
   * answers with its app (a live session that recorded that very container), watching it as if it
   * had started it, and removes every other one. Returns the session ids of those removed.
   */
  async adopt(
    takeBack: (sessionId: string, runtimeId: string) => Promise<StartRequest['app'] | undefined>,
  ): Promise<string[]> {
    await this.events.ready;
    const removed: string[] = [];
    for (const { runtimeId, sessionId } of await this.list()) {
      if (this.instances.has(runtimeId)) continue;
      const container = this.options.docker.getContainer(containerIdOf(runtimeId)!);
      const info = await container.inspect().catch(() => undefined);
      const app = info?.State.Running ? await takeBack(sessionId, runtimeId) : undefined;
      const port = app && info ? publishedPort(info, app.containerPort) : undefined;
      if (!app || !info || !port) {
        await container.remove({ force: true }).catch(() => undefined);
        this.logger.warn({ sessionId, container: runtimeId }, 'removed a session container left by an earlier run');
        removed.push(sessionId);
        continue;
      }
      const instance = newInstance(sessionId, info.Id, Math.round((info.HostConfig.Memory ?? 0) / 1024 / 1024));
      instance.port = port;
      instance.endpoint = `${PROBE_HOST}:${port}`;
      this.instances.set(runtimeId, instance);
      // Attached, not `logs?follow`: podman answers a follow only once the container writes again.
      instance.output = await attachOutput(this.options.docker, container, this.logPath(sessionId));
      let seenLine = false;
      if (app.ready.kind === 'line')
        lineWatcher(app.ready.line, () => (seenLine = true))(await pastOutput(this.options.docker, container));
      this.watch(instance, app, seenLine);
      this.logger.info({ sessionId, container: info.Id.slice(0, 12) }, 'adopted a session container of an earlier run');
    }
    return removed;
  }

  /** Refuses new starts and resolves once those in flight have returned. */
  async closeStarts(): Promise<void> {
    this.closing = true;
    while (this.starting.size) await Promise.allSettled([...this.starting]);
  }

  /** Server shutdown: stops every container it runs, then stops following events. */
  async stopAll(reason: string): Promise<void> {
    await this.closeStarts();
    await Promise.all([...this.instances.keys()].map((id) => this.stop(id, reason).catch(() => undefined)));
    this.events.close();
  }
}
