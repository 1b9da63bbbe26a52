import type { ChildProcess } from 'node:child_process';
import type { WriteStream } from 'node:fs';
import type { Watched } from '../watch';

/** One session process, as the local runtime tracks it. */
export interface Instance extends Watched {
  sessionId: string;
  runtimeId: string;
  child: ChildProcess;
  pgid: number;
  endpoint: string;
  /** Stopped because it no longer answered its liveness probes. */
  unresponsive?: string;
  exit?: { code: number | null; signal: string | null; reason: string };
  log: WriteStream;
}
