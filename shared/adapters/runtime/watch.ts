import { setTimeout as sleep } from 'node:timers/promises';
import type { AppSpec } from '../../domain/app';
import { STATUS_REASONS } from '../../domain/session';
import { alive, lineWatcher, probe } from './readiness';
import type { Inspection, RuntimeEvent } from '../../ports/runtime';

/** What the local runtimes (processes, containers) know of one running instance while they watch it. */
export interface Watched {
  /** The port the probes reach on the runtime's host: the process's own, or a container's published one. */
  port: number;
  ready: boolean;
  stopping: boolean;
  exit?: unknown;
  exited: Promise<void>;
}

/**
 * Watches a starting instance until it is ready (its ready line, or a TCP or HTTP probe with a
 * backoff) or its launch timeout ends, and calls exactly one of `ready` and `timedOut`, unless it
 * exits or is stopped first.
 */
export function watchReadiness(
  instance: Watched,
  app: AppSpec,
  host: string,
  options: { probeIntervalMs?: { first: number; max: number } | undefined },
  on: { ready(): void; timedOut(): void },
  output: readonly NodeJS.ReadableStream[],
): void {
  const deadline = Date.now() + app.launchTimeoutMs;
  let settled = false;
  const becomeReady = () => {
    if (settled || instance.exit || instance.stopping) return;
    settled = true;
    clearTimeout(timer);
    instance.ready = true;
    on.ready();
  };
  const timer = setTimeout(() => {
    if (settled || instance.exit || instance.stopping) return;
    settled = true;
    on.timedOut();
  }, app.launchTimeoutMs);
  timer.unref();
  instance.exited.then(() => clearTimeout(timer));

  if (app.ready.kind === 'line') {
    const feed = lineWatcher(app.ready.line, becomeReady);
    for (const stream of output) stream.on('data', feed);
    return;
  }
  const { first, max } = options.probeIntervalMs ?? { first: 50, max: 500 };
  const ready = app.ready;
  const loop = async (delay: number) => {
    while (!settled && !instance.exit && Date.now() < deadline) {
      if (await probe(ready, host, instance.port)) return becomeReady();
      await sleep(delay);
      delay = Math.min(max, delay * 2);
    }
  };
  void loop(first);
}

/** The server's liveness defaults (SESSIONPLANE_LIVENESS_INTERVAL; failures 0: off unless an app asks). */
interface LivenessDefaults {
  intervalMs: number;
  failures: number;
  timeoutMs: number;
}

/**
 * Probes a READY app until it exits, by its own `liveness` or the server's defaults; after `failures`
 * misses in a row, calls `unresponsive` once with the evidence (#11 m7, #35: busy is not dead).
 */
function watchLiveness(
  instance: Watched,
  app: AppSpec,
  host: string,
  defaults: LivenessDefaults,
  unresponsive: (evidence: string) => void,
): void {
  const own = app.liveness;
  const probe = own?.probe ?? 'tcp';
  const intervalMs = own?.intervalMs ?? defaults.intervalMs;
  const failures = own?.failures ?? (own ? 3 : defaults.failures);
  if (probe === 'off' || failures <= 0 || intervalMs <= 0) return;
  const timeoutMs = Math.min(defaults.timeoutMs, Math.max(200, intervalMs));
  let misses = 0;
  const timer = setInterval(() => {
    if (instance.exit || instance.stopping) return clearInterval(timer);
    void alive(probe, app.ready, host, instance.port, timeoutMs).then((answer) => {
      if (instance.exit || instance.stopping) return;
      misses = answer.ok ? 0 : misses + 1;
      if (answer.ok || misses < failures) return;
      clearInterval(timer);
      unresponsive(`no answer to ${failures} liveness probes (${probe}, every ${intervalMs / 1000} s): ${answer.why}`);
    });
  }, intervalMs);
  timer.unref();
  void instance.exited.then(() => clearInterval(timer));
}

/** What a runtime does about an instance it watches (the local process and container runtimes alike). */
export interface WatchOutcomes {
  emit(event: RuntimeEvent): void;
  stop(runtimeId: string, reason: string): void;
  /** Its liveness probes found it dead: stop it, keeping the evidence for its exit. */
  unresponsive(evidence: string): void;
  liveness?: LivenessDefaults | undefined;
}

/**
 * The two ends of an instance's start: ready (the event, then liveness probes) or its launch timeout
 * passed (a failed event, and the instance stopped).
 */
export function startOutcomes(
  instance: Watched & { runtimeId: string; sessionId: string; endpoint: string },
  app: AppSpec,
  host: string,
  on: WatchOutcomes,
) {
  const { sessionId, runtimeId } = instance;
  return {
    ready: () => {
      on.emit({ type: 'ready', sessionId, runtimeId, endpoint: instance.endpoint });
      if (on.liveness) watchLiveness(instance, app, host, on.liveness, on.unresponsive);
    },
    timedOut: () => {
      on.emit({ type: 'failed', sessionId, runtimeId, reason: STATUS_REASONS.launchTimeout });
      on.stop(runtimeId, STATUS_REASONS.launchTimeout);
    },
  };
}

/** Why an instance that exited ended: stopped when asked, or on its own after or before it was ready. */
export function endReason(instance: Pick<Watched, 'stopping' | 'ready'>): string {
  if (instance.stopping) return STATUS_REASONS.stopped;
  return instance.ready ? STATUS_REASONS.appExited : STATUS_REASONS.exitedBeforeReady;
}

/** What inspect() says of a local instance: live (starting, ready, stopping), ended (kept a while), or lost. */
export function inspectionOf(
  instance:
    | (Pick<Watched, 'ready' | 'stopping'> & { endpoint: string; exit?: NonNullable<Inspection['exit']> | undefined })
    | undefined,
  ended: { endpoint: string; exit: NonNullable<Inspection['exit']> } | undefined,
): Inspection {
  if (!instance)
    return ended
      ? { phase: 'stopped', endpoint: ended.endpoint, exit: ended.exit }
      : { phase: 'stopped', exit: { reason: STATUS_REASONS.lost } };
  if (instance.exit) return { phase: 'stopped', endpoint: instance.endpoint, exit: instance.exit };
  if (instance.stopping) return { phase: 'stopping', endpoint: instance.endpoint };
  return { phase: instance.ready ? 'ready' : 'starting', endpoint: instance.endpoint };
}
