import type { WriteStream } from 'node:fs';
import type { Watched } from '../watch';
import type { SpawnedChild } from './spawner';

/** One session process, as the local runtime tracks it. */
export interface Instance extends Watched {
  sessionId: string;
  runtimeId: string;
  child: SpawnedChild;
  pgid: number;
  endpoint: string;
  /** Stopped because it no longer answered its liveness probes. */
  unresponsive?: string;
  exit?: { code: number | null; signal: string | null; reason: string };
  log: WriteStream;
}
