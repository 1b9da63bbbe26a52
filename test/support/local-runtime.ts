import { join } from 'node:path';
import { LocalProcessRuntime } from '../../shared/adapters/runtime/local-process/local-process-runtime';
import type { RuntimeEvent } from '../../shared/ports/runtime';
import { testPortRange } from './ports';
import { waitFor } from './wait';

/** The local runtime the runtime tests use, in `dir` (logs/, run/), its events pushed to `events`. */
export function localRuntimeIn(dir: string, events: RuntimeEvent[]): LocalProcessRuntime {
  const runtime = new LocalProcessRuntime({
    host: '127.0.0.1',
    portRange: testPortRange(),
    logDir: join(dir, 'logs'),
    runDir: join(dir, 'run'),
    stopGraceMs: 1000,
    baseEnv: { PATH: process.env.PATH ?? '' },
  });
  runtime.onEvent((e) => events.push(e));
  return runtime;
}

/** Waits for the first event of `type` for a session among `events`. */
export const eventWaiter = (events: RuntimeEvent[]) => (sessionId: string, type: RuntimeEvent['type']) =>
  waitFor(() => events.find((e) => e.sessionId === sessionId && e.type === type), 15_000, `${type} event`);
