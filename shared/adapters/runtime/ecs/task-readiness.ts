import { setTimeout as sleep } from 'node:timers/promises';
import type { AppSpec, Readiness } from '../../../domain/app';
import { probe as probeReadiness } from '../readiness';

/** Whether host:port passes the app's check, from inside the VPC. */
export type TaskProbe = (host: string, port: number) => Promise<boolean>;

/**
 * The check a running task's app must pass before its session is READY: HTTP for `ready: {http}`,
 * else TCP. A ready line goes to the task's log (CloudWatch), which nothing here reads, so an app
 * that announces itself by a line is probed by TCP.
 */
export function taskReadiness(app: Pick<AppSpec, 'ready'>): Exclude<Readiness, { kind: 'line' }> {
  return app.ready.kind === 'line' ? { kind: 'tcp' } : app.ready;
}

/** Where a task's app listens: its ENI's private address and the app's container port. */
function taskEndpoint(app: Pick<AppSpec, 'containerPort'>, privateIp: string): { host: string; port: number } {
  return { host: privateIp, port: app.containerPort };
}

export interface AwaitTaskReady {
  app: Pick<AppSpec, 'ready' | 'containerPort'>;
  privateIp: string;
  /** Epoch ms after which the task's app has failed to start. */
  deadline: number;
  now: () => number;
  probe?: TaskProbe;
  intervalMs?: number;
}

/** Probes a running task's app until it passes its check (its endpoint) or the deadline passes (undefined). */
export async function awaitTaskReady(options: AwaitTaskReady): Promise<string | undefined> {
  const { host, port } = taskEndpoint(options.app, options.privateIp);
  const ready = taskReadiness(options.app);
  // A job is ready once its task runs: nothing listens.
  if (ready.kind === 'started') return `${host}:${port}`;
  const probe = options.probe ?? ((h: string, p: number) => probeReadiness(ready, h, p));
  while (options.now() < options.deadline) {
    if (await probe(host, port)) return `${host}:${port}`;
    await sleep(options.intervalMs ?? 500);
  }
  return undefined;
}
