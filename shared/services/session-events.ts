import { launchTimings, type NewSessionEvent, type SessionEvent } from '../domain/events';
import type { Session } from '../domain/session';
import type { ServiceDeps } from './deps';

type EventDeps = Pick<ServiceDeps, 'events' | 'logger' | 'metrics'>;

/**
 * Records events in a session's log. The log tells what happened; it never decides what happens:
 * a failure to write it is logged and the change it describes stands.
 */
export async function recordEvents(
  deps: EventDeps,
  sessionId: string,
  events: readonly NewSessionEvent[],
): Promise<SessionEvent[]> {
  if (events.length === 0) return [];
  try {
    const written = await deps.events.append(sessionId, events);
    // The operator's view of each step: the local log, CloudWatch on AWS.
    for (const e of written) deps.logger.info({ sessionId, phase: e.phase, progress: e.progress }, e.message);
    return written;
  } catch (error) {
    deps.logger.warn(
      { sessionId, phases: events.map((e) => e.phase), err: (error as Error).message },
      'could not record session events',
    );
    return [];
  }
}

/**
 * Once a session is ready: how long each step of its launch took, as LaunchPhase metrics (EMF on AWS, log lines
 * locally).
 */
export async function reportLaunchPhases(deps: EventDeps, session: Session): Promise<void> {
  try {
    const timings = launchTimings(await deps.events.list(session.id));
    for (const [phase, ms] of Object.entries(timings)) deps.metrics.launchPhase(phase, ms, session.app);
  } catch (error) {
    deps.logger.warn({ sessionId: session.id, err: (error as Error).message }, 'could not read the launch phases');
  }
}

/**
 * While something waits for a session to start (the wslink launcher holding its reply), tells the
 * operator every `everyMs` which step it is in: the client sees only the reply. Returns the stop.
 */
export function logSlowStart(deps: EventDeps, sessionId: string, everyMs: number): () => void {
  const began = Date.now();
  const timer = setInterval(() => {
    void deps.events.list(sessionId).then(
      (events) => {
        const last = events.at(-1);
        deps.logger.info(
          { sessionId, waitedMs: Date.now() - began, phase: last?.phase ?? 'none' },
          `slow start: ${last?.message ?? 'nothing recorded yet'}`,
        );
      },
      () => undefined,
    );
  }, everyMs);
  timer.unref?.();
  return () => clearInterval(timer);
}
