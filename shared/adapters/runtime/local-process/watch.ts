import type { ChildProcess } from 'node:child_process';
import type { WriteStream } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { AppSpec } from '../../../domain/app';
import { STATUS_REASONS } from '../../../domain/session';
import { alive, lineWatcher, probe } from '../../readiness';

/** One session process, as the local runtime tracks it. */
export interface Instance {
  sessionId: string;
  runtimeId: string;
  child: ChildProcess;
  pgid: number;
  port: number;
  endpoint: string;
  ready: boolean;
  stopping: boolean;
  /** Stopped because it no longer answered its liveness probes. */
  unresponsive?: boolean;
  exit?: { code: number | null; signal: string | null; reason: string };
  exited: Promise<void>;
  log: WriteStream;
}

/**
 * Watches a starting instance until it is ready (its ready line, or a TCP or HTTP probe with a
 * backoff) or its launch timeout ends, and calls exactly one of `ready` and `timedOut`, unless it
 * exits or is stopped first.
 */
export function watchReadiness(
  instance: Instance,
  app: AppSpec,
  host: string,
  options: { probeIntervalMs?: { first: number; max: number } | undefined },
  on: { ready(): void; timedOut(): void },
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
    instance.child.stdout!.on('data', feed);
    instance.child.stderr!.on('data', feed);
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

/** Probes a READY app until it exits; after `failures` misses in a row, calls `unresponsive` once (#11 m7). */
export function watchLiveness(
  instance: Instance,
  app: AppSpec,
  host: string,
  liveness: { intervalMs: number; failures: number; timeoutMs: number },
  unresponsive: () => void,
): void {
  if (liveness.failures <= 0) return;
  let misses = 0;
  const timer = setInterval(() => {
    if (instance.exit || instance.stopping) return clearInterval(timer);
    void alive(app.ready, host, instance.port, liveness.timeoutMs).then((ok) => {
      if (instance.exit || instance.stopping) return;
      misses = ok ? 0 : misses + 1;
      if (misses < liveness.failures) return;
      clearInterval(timer);
      unresponsive();
    });
  }, liveness.intervalMs);
  timer.unref();
  void instance.exited.then(() => clearInterval(timer));
}

/** Why an instance that exited ended: stopped when asked, or on its own after or before it was ready. */
export function endReason(instance: Pick<Instance, 'stopping' | 'ready'>): string {
  if (instance.stopping) return STATUS_REASONS.stopped;
  return instance.ready ? STATUS_REASONS.appExited : STATUS_REASONS.exitedBeforeReady;
}
