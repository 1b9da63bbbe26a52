import type Docker from 'dockerode';
import type { Logger } from '../../../ports/logger';

/* What the container runtime is told when it is made, and how its runtime ids read. */

export interface ContainerRuntimeOptions {
  docker: Docker;
  /**
   * This server's tag on its containers (a hash of its data directory), so two servers on one engine never touch each
   * other's.
   */
  plane: string;
  /** Per-session logs: `<logDir>/<sessionId>.log`, as for processes. */
  logDir: string;
  /** SIGTERM → SIGKILL grace. */
  stopGraceMs: number;
  network?: string | undefined;
  /** Where apps' `env:` secrets are read from (the server's environment). */
  secretEnv?: Readonly<Record<string, string | undefined>>;
  /** Group volumes: a folder per volume name, bind-mounted into members' containers. */
  volumesDir?: string;
  logger?: Logger;
  probeIntervalMs?: { first: number; max: number };
  liveness?: { intervalMs: number; failures: number; timeoutMs: number };
}

/** A container's runtime id (`container:<id>`), and back. */
export const runtimeIdOf = (containerId: string) => `container:${containerId}`;
export const containerIdOf = (runtimeId: string) =>
  runtimeId.startsWith('container:') ? runtimeId.slice('container:'.length) : undefined;
