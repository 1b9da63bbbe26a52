import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import { renderArgv, sessionEnv } from '../domain/command';
import { RuntimeStartError } from '../domain/errors';
import { sessionBasePath } from '../domain/urls';
import { silentLogger, type Logger } from '../ports/logger';
import type { Inspection, ManagedInstance, Runtime, RuntimeEvent, StartRequest, StartResult } from '../ports/runtime';
import { PortAllocator } from './port-allocator';
import { groupAlive, processStartTime, signalGroup, terminateGroup } from './process-group';
import { lineWatcher, probe } from './readiness';
import { timestampLines } from './timestamp-lines';

export interface LocalProcessRuntimeOptions {
  /** Address session processes bind to and the router connects to. */
  host: string;
  portRange: readonly [number, number];
  /** Per-session logs: `<logDir>/<sessionId>.log`. */
  logDir: string;
  /** Pid records, so a restarted server can stop what the last one left. */
  runDir: string;
  /** SIGTERM → SIGKILL grace. */
  stopGraceMs: number;
  /** What every session process inherits from the server (PATH, HOME, …). */
  baseEnv: Record<string, string>;
  logger?: Logger;
  /** First probe delay and the cap of the probe backoff. */
  probeIntervalMs?: { first: number; max: number };
}

/** How long an exited instance is remembered for inspect(). */
const EXITED_RETENTION_MS = 10 * 60_000;

interface Instance {
  sessionId: string;
  runtimeId: string;
  child: ChildProcess;
  pgid: number;
  port: number;
  endpoint: string;
  ready: boolean;
  stopping: boolean;
  exit?: { code: number | null; signal: string | null; reason: string };
  exited: Promise<void>;
  log: WriteStream;
}

interface PidRecord {
  sessionId: string;
  pid: number;
  startTime?: string;
}

/**
 * Sessions as child processes, with the trame launcher's semantics: a templated command, a port
 * from a range, output to a per-session log, readiness by ready line, TCP or HTTP within the launch
 * timeout, and a process-group stop. Exits are noticed at once and reported as events.
 */
export class LocalProcessRuntime implements Runtime {
  readonly kind = 'local';
  private readonly instances = new Map<string, Instance>();
  private readonly bySession = new Map<string, Instance>();
  private readonly listeners = new Set<(event: RuntimeEvent) => void>();
  private readonly ports: PortAllocator;
  private readonly logger: Logger;

  constructor(private readonly options: LocalProcessRuntimeOptions) {
    this.ports = new PortAllocator(options.host, options.portRange);
    this.logger = options.logger ?? silentLogger;
    mkdirSync(options.logDir, { recursive: true });
    mkdirSync(options.runDir, { recursive: true });
  }

  logPath(sessionId: string): string {
    return join(this.options.logDir, `${sessionId}.log`);
  }

  async start({ session, app, secret }: StartRequest): Promise<StartResult> {
    const existing = this.bySession.get(session.id);
    if (existing) return { runtimeId: existing.runtimeId, endpoint: existing.endpoint };
    if (app.command.length === 0) throw new RuntimeStartError(`App ${app.name} has no command to run locally (it names only an image).`);

    // Always from the range: an app's fixed `port` is its container port on ECS, and two local
    // sessions of one app cannot share one.
    const port = await this.ports.acquire();
    const host = this.options.host;
    const basePath = sessionBasePath(session.id);
    const argv = renderArgv(app.command, { ...session.params, host, port: String(port), secret, id: session.id, basePath });
    const env = { ...this.options.baseEnv, ...sessionEnv({ port, sessionId: session.id, secret, basePath, appEnv: app.env, params: session.params }), HOST: host };
    const log = createWriteStream(this.logPath(session.id), { flags: 'a' });

    let child: ChildProcess;
    try {
      // detached: its own process group, so stop reaches everything the app started.
      child = spawn(argv[0]!, argv.slice(1), { cwd: app.cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (cause) {
      this.ports.release(port);
      log.end();
      throw new RuntimeStartError(`Could not start ${argv[0]}: ${(cause as Error).message}`, { cause });
    }
    if (child.pid === undefined) {
      const cause = await new Promise<Error>((resolve) => child.once('error', resolve));
      this.ports.release(port);
      log.end(`sessionplane: could not start ${argv[0]}: ${cause.message}\n`);
      throw new RuntimeStartError(`Could not start ${argv[0]}: ${cause.message}`, { cause });
    }

    const pid = child.pid;
    const runtimeId = `local:${session.id}:${pid}`;
    let markExited!: () => void;
    const instance: Instance = {
      sessionId: session.id, runtimeId, child, pgid: pid, port, endpoint: `${host}:${port}`,
      ready: false, stopping: false, exited: new Promise<void>((r) => (markExited = r)), log,
    };
    this.instances.set(runtimeId, instance);
    this.bySession.set(session.id, instance);
    this.writePidRecord({ sessionId: session.id, pid, startTime: processStartTime(pid) });
    // Each line stamped with its time, so the logs can be read `since` a time, as on CloudWatch.
    const outputs = [child.stdout!.pipe(timestampLines()), child.stderr!.pipe(timestampLines())];
    for (const output of outputs) output.pipe(log, { end: false });
    // Once both have ended, every line has been handed to the file.
    void Promise.allSettled(outputs.map((o) => finished(o))).then(() => log.end());
    log.on('error', (error) => this.logger.warn({ sessionId: session.id, err: error.message }, 'session log write failed'));
    child.once('exit', (code, signal) => {
      instance.exit = { code, signal, reason: instance.stopping ? 'stopped' : instance.ready ? 'app-exited' : 'exited-before-ready' };
      // Whatever the app left in its group goes with it.
      signalGroup(instance.pgid, 'SIGKILL');
      this.ports.release(port);
      this.removePidRecord(session.id);
      this.bySession.delete(session.id);
      markExited();
      // Kept a while so inspect() can still tell how it ended, then forgotten.
      setTimeout(() => this.instances.delete(runtimeId), EXITED_RETENTION_MS).unref();
      this.logger.info({ sessionId: session.id, code, signal }, 'session process exited');
      this.emit({ type: 'exited', sessionId: session.id, runtimeId, code, signal, wasReady: instance.ready });
    });
    this.watchReadiness(instance, app, host);
    this.logger.info({ sessionId: session.id, pid, port, app: app.name }, 'session process started');
    return { runtimeId, endpoint: instance.endpoint };
  }

  private watchReadiness(instance: Instance, app: StartRequest['app'], host: string): void {
    const deadline = Date.now() + app.launchTimeoutMs;
    let settled = false;
    const becomeReady = () => {
      if (settled || instance.exit || instance.stopping) return;
      settled = true;
      clearTimeout(timer);
      instance.ready = true;
      this.emit({ type: 'ready', sessionId: instance.sessionId, runtimeId: instance.runtimeId, endpoint: instance.endpoint });
    };
    const timer = setTimeout(() => {
      if (settled || instance.exit || instance.stopping) return;
      settled = true;
      this.logger.warn({ sessionId: instance.sessionId, launchTimeoutMs: app.launchTimeoutMs }, 'session not ready within the launch timeout');
      this.emit({ type: 'failed', sessionId: instance.sessionId, runtimeId: instance.runtimeId, reason: 'launch-timeout' });
      void this.stop(instance.runtimeId, 'launch-timeout');
    }, app.launchTimeoutMs);
    timer.unref();
    instance.exited.then(() => clearTimeout(timer));

    if (app.ready.kind === 'line') {
      const feed = lineWatcher(app.ready.line, becomeReady);
      instance.child.stdout!.on('data', feed);
      instance.child.stderr!.on('data', feed);
      return;
    }
    const { first, max } = this.options.probeIntervalMs ?? { first: 50, max: 500 };
    const ready = app.ready;
    const loop = async (delay: number) => {
      while (!settled && !instance.exit && Date.now() < deadline) {
        if (await probe(ready, host, instance.port)) return becomeReady();
        await new Promise((r) => setTimeout(r, delay));
        delay = Math.min(max, delay * 2);
      }
    };
    void loop(first);
  }

  async inspect(runtimeId: string): Promise<Inspection> {
    const instance = this.instances.get(runtimeId);
    if (!instance) return { phase: 'stopped', exit: { reason: 'lost' } };
    if (instance.exit) return { phase: 'stopped', endpoint: instance.endpoint, exit: instance.exit };
    if (instance.stopping) return { phase: 'stopping', endpoint: instance.endpoint };
    return { phase: instance.ready ? 'ready' : 'starting', endpoint: instance.endpoint };
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
    return [...this.instances.values()].filter((i) => !i.exit).map((i) => ({ runtimeId: i.runtimeId, sessionId: i.sessionId }));
  }

  onEvent(listener: (event: RuntimeEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Stops every instance (server shutdown). */
  async stopAll(reason: string): Promise<void> {
    await Promise.all([...this.instances.keys()].map((id) => this.stop(id, reason)));
  }

  /**
   * Stops the process groups a previous server run left behind (pid records with no instance
   * here) and returns their session ids. A recorded pid now used by another program is left alone.
   */
  async stopStrays(): Promise<string[]> {
    const stopped: string[] = [];
    for (const file of readdirSync(this.options.runDir).filter((f) => f.endsWith('.json'))) {
      let record: PidRecord;
      try {
        record = JSON.parse(readFileSync(join(this.options.runDir, file), 'utf8')) as PidRecord;
      } catch {
        rmSync(join(this.options.runDir, file), { force: true });
        continue;
      }
      if (this.bySession.has(record.sessionId)) continue;
      const sameProcess = record.startTime === undefined || processStartTime(record.pid) === record.startTime;
      if (sameProcess && groupAlive(record.pid)) {
        await terminateGroup(record.pid, this.options.stopGraceMs);
        this.logger.warn({ sessionId: record.sessionId, pid: record.pid }, 'stopped a session process left by an earlier run');
        stopped.push(record.sessionId);
      }
      this.removePidRecord(record.sessionId);
    }
    return stopped;
  }

  private emit(event: RuntimeEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (error) {
        this.logger.error({ err: error, event: event.type }, 'runtime event listener failed');
      }
    }
  }

  private writePidRecord(record: PidRecord): void {
    writeFileSync(join(this.options.runDir, `${record.sessionId}.json`), JSON.stringify(record));
  }

  private removePidRecord(sessionId: string): void {
    rmSync(join(this.options.runDir, `${sessionId}.json`), { force: true });
  }
}
