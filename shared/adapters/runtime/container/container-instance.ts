import { constants } from 'node:os';
import type { Readable } from 'node:stream';
import { STATUS_REASONS, statusReason } from '../../../domain/session';
import { endReason, type Watched } from '../watch';

/** One session container, as the container runtime tracks it. */
export interface ContainerInstance extends Watched {
  sessionId: string;
  runtimeId: string;
  containerId: string;
  endpoint: string;
  /** Its memory limit in MiB (0: none), for telling an out-of-memory kill. */
  memoryMiB: number;
  output: Readable[];
  /** Something other than this runtime killed it (the engine said `kill`). */
  killed?: boolean;
  /** The engine said it ran out of memory (Docker; podman never does). */
  oom?: boolean;
  unresponsive?: string;
  exit?: { code: number | null; signal: string | null; reason: string };
  ending?: Promise<void>;
  markExited(): void;
}

export function newInstance(sessionId: string, containerId: string, memoryMiB: number): ContainerInstance {
  let markExited!: () => void;
  const exited = new Promise<void>((resolve) => (markExited = resolve));
  return {
    sessionId,
    runtimeId: `container:${containerId}`,
    containerId,
    endpoint: '',
    port: 0,
    memoryMiB,
    output: [],
    ready: false,
    stopping: false,
    exited,
    markExited,
  };
}

const SIGKILL_EXIT = 128 + constants.signals.SIGKILL;

/**
 * How a container ended. Exit codes above 128 are a signal's (the engine reports 128 + n). Out of
 * memory: the engine said so, or (podman, which never does) it was SIGKILLed under a memory limit
 * while nobody stopped or killed it.
 */
export function exitOf(instance: ContainerInstance, code: number | null): NonNullable<ContainerInstance['exit']> {
  const signal =
    code !== null && code > 128
      ? (Object.entries(constants.signals).find(([, n]) => n === code - 128)?.[0] ?? null)
      : null;
  const oom =
    !instance.stopping && (instance.oom || (code === SIGKILL_EXIT && instance.memoryMiB > 0 && !instance.killed));
  let reason: string = endReason(instance);
  if (oom) reason = statusReason(STATUS_REASONS.oom, `over its memory limit of ${instance.memoryMiB} MiB`);
  else if (instance.unresponsive) reason = statusReason(STATUS_REASONS.unresponsive, instance.unresponsive);
  return { code, signal, reason };
}

/** The HTTP status of a failed engine call (dockerode puts it on the error). */
export function statusCode(error: unknown): number | undefined {
  const code = (error as { statusCode?: unknown } | null)?.statusCode;
  return typeof code === 'number' ? code : undefined;
}
