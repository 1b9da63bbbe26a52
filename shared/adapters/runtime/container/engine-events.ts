import { createInterface } from 'node:readline';
import type Docker from 'dockerode';
import type { Logger } from '../../../ports/logger';

/** What the container runtime needs from the engine's event stream. */
export type EngineEvent = { containerId: string } & (
  | { action: 'died'; exitCode?: number }
  | { action: 'killed'; signal?: string }
  | { action: 'oom' }
);

/**
 * Follows the engine's container events for one label, and re-follows after the stream ends (the
 * engine restarted, the socket dropped) with a backoff; `reconnected` runs after each re-follow,
 * for the caller to catch up on what happened while it was away. Docker says `die`, podman `died`
 * (and its `event=die` filter matches nothing), so actions are picked here, not in the filter.
 */
export function followEngineEvents(
  docker: Docker,
  label: string,
  on: { event(event: EngineEvent): void; reconnected(): void },
  logger: Logger,
): { close(): void; ready: Promise<void> } {
  let closed = false;
  let current: NodeJS.ReadableStream | undefined;
  let delay = 250;
  let markReady!: () => void;
  const ready = new Promise<void>((r) => (markReady = r));

  const follow = async (again: boolean) => {
    if (closed) return;
    try {
      const stream = await docker.getEvents({ filters: { type: ['container'], label: [label] } });
      if (closed) return (stream as unknown as { destroy(): void }).destroy();
      current = stream;
      delay = 250;
      markReady();
      if (again) on.reconnected();
      const lines = createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY });
      lines.on('line', (line) => {
        const event = parseEngineEvent(line);
        if (event) on.event(event);
      });
      stream.on('error', () => undefined);
      await new Promise<void>((resolve) => lines.once('close', resolve));
    } catch (error) {
      logger.warn({ err: (error as Error).message }, 'cannot follow the container engine events');
    }
    if (closed) return;
    setTimeout(() => void follow(true), delay).unref();
    delay = Math.min(delay * 2, 5000);
  };
  void follow(false);
  return {
    ready,
    close: () => {
      closed = true;
      (current as unknown as { destroy?(): void } | undefined)?.destroy?.();
    },
  };
}

function parseEngineEvent(line: string): EngineEvent | undefined {
  let raw: {
    Type?: string;
    Action?: string;
    status?: string;
    id?: string;
    Actor?: { ID?: string; Attributes?: Record<string, string> };
  };
  try {
    raw = JSON.parse(line);
  } catch {
    return undefined;
  }
  const containerId = raw.Actor?.ID ?? raw.id;
  if (!containerId || (raw.Type && raw.Type !== 'container')) return undefined;
  const action = raw.Action ?? raw.status;
  const attributes = raw.Actor?.Attributes ?? {};
  if (action === 'die' || action === 'died') {
    const code = Number(attributes.exitCode ?? attributes.containerExitCode);
    return { containerId, action: 'died', ...(Number.isInteger(code) ? { exitCode: code } : {}) };
  }
  if (action === 'kill')
    return { containerId, action: 'killed', ...(attributes.signal ? { signal: attributes.signal } : {}) };
  if (action === 'oom') return { containerId, action: 'oom' };
  return undefined;
}
