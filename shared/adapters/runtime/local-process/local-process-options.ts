import type { Logger } from '../../../ports/logger';

/* What the local process runtime is told when it is made. */

export interface LocalProcessRuntimeOptions {
  /** Address session processes bind to and the router connects to. */
  host: string;
  portRange: readonly [number, number];
  /** Per-session logs: `<logDir>/<sessionId>.log`. */
  logDir: string;
  /** Also at `<dir>/<sessionId>.txt` (a link), where a wslink launcher file's `log_dir` says its operator looks. */
  logLinkDir?: string | undefined;
  /** Pid records, so a restarted server can stop what the last one left. */
  runDir: string;
  /** SIGTERM → SIGKILL grace. */
  stopGraceMs: number;
  /** What every session process inherits from the server (PATH, HOME, …). */
  baseEnv: Record<string, string>;
  /** Where apps' `env:` secrets are read from (the server's environment). */
  secretEnv?: Readonly<Record<string, string | undefined>>;
  logger?: Logger;
  /** First probe delay and the cap of the probe backoff. */
  probeIntervalMs?: { first: number; max: number };
  /** READY apps are probed this often; `failures` misses in a row end the session (0: never). */
  liveness?: { intervalMs: number; failures: number; timeoutMs: number };
}
