import { localSecrets } from '../local-secrets';
import { LRUCache } from 'lru-cache';
import { randomBytes } from 'node:crypto';
import { mkdirSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { RuntimeStartError, ShuttingDownError } from '../../../domain/errors';
import { startedPhases } from '../../../domain/events';
import { STATUS_REASONS, statusReason } from '../../../domain/session';
import { silentLogger, type Logger } from '../../../ports/logger';
import type {
  Inspection,
  ManagedInstance,
  Runtime,
  RuntimeEvent,
  StartRequest,
  StartResult,
} from '../../../ports/runtime';
import { preflight, spawnHeld, stopStrays } from './session-spawn';
import { PidRecords } from './pid-records';
import { PortAllocator } from './port-allocator';
import { groupCpuSeconds, signalGroup, terminateGroup } from './process-group';
import { sessionProcess } from './session-process';
import { linkLog, recordOutput } from './session-log';
import type { LocalProcessRuntimeOptions } from './local-process-options';

export type { LocalProcessRuntimeOptions } from './local-process-options';
import { RuntimeListeners } from '../runtime-listeners';
import { endReason, inspectionOf, startOutcomes, watchReadiness } from '../watch';
import type { Instance } from './instance';
import { Spawner } from './spawner';

/**
 * How an instance ended stays known a while after it exited, for inspect(); the instance itself (its
 * child process, pipes and log stream) is let go at once. Bounded both ways: under a stream of short
 * sessions, a count cap, not only a timer, keeps this from growing (#13).
 */
const EXITED_RETENTION_MS = 10 * 60_000;
const EXITED_RETAINED = 1000;

export { MARKER, runTag } from './pid-records';

/**
 * Sessions as child processes, with the trame launcher's semantics: a templated command, a port
 * from a range, output to a per-session log, readiness by ready line, TCP or HTTP within the launch
 * timeout, and a process-group stop. Exits are noticed at once and reported as events.
 */
export class LocalProcessRuntime implements Runtime {
  readonly kind = 'local';
  private readonly instances = new Map<string, Instance>();
  private readonly exited = new LRUCache<string, { endpoint: string; exit: NonNullable<Inspection['exit']> }>({
    max: EXITED_RETAINED,
    ttl: EXITED_RETENTION_MS,
  });
  private readonly bySession = new Map<string, Instance>();
  private readonly listeners: RuntimeListeners;
  private readonly ports: PortAllocator;
  private readonly logger: Logger;
  /** Pid records, and the marker that proves a process is one of this data directory's. */
  private readonly records: PidRecords;
  private readonly starting = new Set<Promise<unknown>>();
  private closing = false;
  /** Starts session processes in a helper process; if it dies, what it started is killed (and reported exited). */
  private readonly spawner: Spawner;

  constructor(private readonly options: LocalProcessRuntimeOptions) {
    this.ports = new PortAllocator(options.host, options.portRange);
    this.logger = options.logger ?? silentLogger;
    this.listeners = new RuntimeListeners(this.logger);
    this.records = new PidRecords(options.runDir);
    this.spawner = new Spawner(
      (pids) => {
        this.logger.error({ pids }, 'the process helper exited: its sessions are stopped');
        for (const pid of pids) signalGroup(pid, 'SIGKILL');
      },
      { PATH: options.baseEnv.PATH ?? '' },
    );
    mkdirSync(options.logDir, { recursive: true });
    mkdirSync(options.runDir, { recursive: true });
  }

  logPath(sessionId: string): string {
    return join(this.options.logDir, `${sessionId}.log`);
  }

  async start(request: StartRequest): Promise<StartResult> {
    if (this.closing) throw new ShuttingDownError();
    const starting = this.startInstance(request);
    this.starting.add(starting);
    try {
      return await starting;
    } finally {
      this.starting.delete(starting);
    }
  }

  // Over 60 lines: the start protocol in its order (port, preflight, held spawn, record, track, go, watch); each step
  // is a call.
  private async startInstance({ session, app, secret, home, activityUrl }: StartRequest): Promise<StartResult> {
    const existing = this.bySession.get(session.id);
    if (existing) return { runtimeId: existing.runtimeId, endpoint: existing.endpoint };
    if (app.command.length === 0)
      throw new RuntimeStartError(`App ${app.name} has no command to run locally (it names only an image).`);

    // Its secrets first: one that cannot be read fails the start before anything is taken.
    const secrets = localSecrets(app, this.options.secretEnv ?? {}, session.groupSecrets);
    // Always from the range: an app's fixed `port` is its container port on ECS, and two local
    // sessions of one app cannot share one.
    const port = await this.ports.acquire();
    const host = this.options.host;
    const marker = this.records.markerFor(session.id, randomBytes(6).toString('hex'));
    const { argv, env } = sessionProcess({
      session,
      app,
      secret,
      home,
      activityUrl,
      secrets,
      host,
      port,
      marker,
      baseEnv: this.options.baseEnv,
    });
    // A home app lives in its owner's folder, and, where the server may (root), as the owner's uid.
    const cwd = home?.home.path ?? app.cwd;
    const runAs = home && process.getuid?.() === 0 ? { uid: home.home.uid, gid: home.home.gid } : {};

    let held: Awaited<ReturnType<typeof spawnHeld>> & { log: WriteStream };
    try {
      const logPath = this.logPath(session.id);
      const where = { sessionId: session.id, argv, cwd, env, logger: this.logger };
      const log = preflight({ ...where, runDir: this.options.runDir, logPath });
      if (this.options.logLinkDir) linkLog(logPath, join(this.options.logLinkDir, `${session.id}.txt`), this.logger);
      held = {
        ...(await spawnHeld({ ...where, runAs, marker, log, records: this.records, spawner: this.spawner })),
        log,
      };
    } catch (error) {
      this.ports.release(port);
      throw error;
    }
    const { child, pid, log } = held;

    const runtimeId = `local:${session.id}:${pid}`;
    let markExited!: () => void;
    const instance: Instance = {
      sessionId: session.id,
      runtimeId,
      child,
      pgid: pid,
      port,
      endpoint: `${host}:${port}`,
      ready: false,
      stopping: false,
      exited: new Promise<void>((r) => (markExited = r)),
      log,
    };
    this.instances.set(runtimeId, instance);
    this.bySession.set(session.id, instance);
    recordOutput(child, log);
    child.once('exit', (code, signal) => this.exitedInstance(instance, code, signal, markExited));
    held.go();
    watchReadiness(
      instance,
      app,
      host,
      this.options,
      startOutcomes(instance, app, host, {
        emit: (event) => this.listeners.emit(event),
        stop: (runtimeId, reason) => {
          if (reason === STATUS_REASONS.launchTimeout)
            this.logger.warn(
              { sessionId: instance.sessionId, launchTimeoutMs: app.launchTimeoutMs },
              'session not ready within the launch timeout',
            );
          void this.stop(runtimeId, reason);
        },
        unresponsive: (evidence) => this.unresponsive(instance, evidence),
        liveness: this.options.liveness,
      }),
      [child.stdout, child.stderr],
    );
    this.logger.info({ sessionId: session.id, pid, port, app: app.name }, 'session process started');
    return {
      runtimeId,
      endpoint: instance.endpoint,
      phases: startedPhases(`Process ${pid} started.`, app.ready, Date.now()),
    };
  }

  /** An instance's process exited: its group killed, its port and record let go, and the exit reported. */
  private exitedInstance(
    instance: Instance,
    code: number | null,
    signal: NodeJS.Signals | null,
    markExited: () => void,
  ): void {
    const unresponsive = instance.unresponsive
      ? statusReason(STATUS_REASONS.unresponsive, instance.unresponsive)
      : undefined;
    instance.exit = { code, signal, reason: unresponsive ?? endReason(instance) };
    // Whatever the app left in its group goes with it.
    signalGroup(instance.pgid, 'SIGKILL');
    this.ports.release(instance.port);
    this.records.remove(instance.sessionId);
    this.bySession.delete(instance.sessionId);
    markExited();
    // Let go at once; how it ended is kept a while (bounded) for inspect().
    this.instances.delete(instance.runtimeId);
    this.exited.set(instance.runtimeId, { endpoint: instance.endpoint, exit: instance.exit });
    this.logger.info({ sessionId: instance.sessionId, code, signal }, 'session process exited');
    this.listeners.emit({
      type: 'exited',
      sessionId: instance.sessionId,
      runtimeId: instance.runtimeId,
      code,
      signal,
      wasReady: instance.ready,
      ...(unresponsive ? { reason: unresponsive } : {}),
    });
  }

  /** A READY app its liveness probes found dead (#11 m7, #35): stopped, and its exit says why, with the evidence. */
  private unresponsive(instance: Instance, evidence: string): void {
    instance.unresponsive = evidence;
    this.logger.warn(
      { sessionId: instance.sessionId, evidence },
      'session app found dead by its liveness probes: stopping it',
    );
    void this.stop(instance.runtimeId, STATUS_REASONS.unresponsive);
  }

  async cpuSeconds(runtimeId: string): Promise<number | undefined> {
    const instance = this.instances.get(runtimeId);
    return instance ? groupCpuSeconds(instance.pgid) : undefined;
  }

  async inspect(runtimeId: string): Promise<Inspection> {
    return inspectionOf(this.instances.get(runtimeId), this.exited.get(runtimeId));
  }

  async stop(runtimeId: string, reason: string): Promise<{ confirmed: boolean }> {
    const instance = this.instances.get(runtimeId);
    if (!instance) return { confirmed: true };
    if (!instance.exit) {
      if (!instance.stopping) this.logger.info({ sessionId: instance.sessionId, reason }, 'stopping session process');
      instance.stopping = true;
      await terminateGroup(instance.pgid, this.options.stopGraceMs);
      await instance.exited;
    }
    this.instances.delete(runtimeId);
    return { confirmed: true };
  }

  async list(): Promise<ManagedInstance[]> {
    return [...this.instances.values()]
      .filter((i) => !i.exit)
      .map((i) => ({ runtimeId: i.runtimeId, sessionId: i.sessionId }));
  }

  onEvent(listener: (event: RuntimeEvent) => void): () => void {
    return this.listeners.add(listener);
  }

  /**
   * Server shutdown: refuses new starts, waits for those in flight (so nothing they start is
   * missed), then stops every instance.
   */
  async stopAll(reason: string): Promise<void> {
    await this.closeStarts();
    await Promise.all([...this.instances.keys()].map((id) => this.stop(id, reason)));
    this.spawner.close();
  }

  /** Refuses new starts (503, retry) and resolves once every start in flight has returned. */
  async closeStarts(): Promise<void> {
    this.closing = true;
    while (this.starting.size) await Promise.allSettled([...this.starting]);
  }

  /** Stops the process groups a previous server run left behind (see stopStrays) and returns their session ids. */
  stopStrays(): Promise<string[]> {
    return stopStrays(
      this.records,
      (sessionId) => this.bySession.has(sessionId),
      this.options.stopGraceMs,
      this.logger,
    );
  }
}
