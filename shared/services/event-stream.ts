import { isStreamEnd, type SessionEvent } from '../domain/events';
import { isFinal, isStarting, type Session } from '../domain/session';
import type { SessionEventLog } from '../ports/session-events';

/** Events of a session after `after`; waits up to `waitMs` for the first when there is none yet (a long-poll). */
export async function eventsAfter(
  log: SessionEventLog,
  sessionId: string,
  after: number,
  waitMs: number,
): Promise<SessionEvent[]> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const events = await log.list(sessionId, after);
    const left = deadline - Date.now();
    if (events.length || left <= 0) return events;
    await log.changed(sessionId, left);
  }
}

/** Where a stream's events go: the API's SSE writer, or the router's. */
export interface EventSink {
  send(event: SessionEvent): Promise<void>;
  /** A comment that keeps a quiet stream (and the proxies on its way) alive. */
  keepalive(): Promise<void>;
  /** False once the client has gone. */
  open(): boolean;
}

/**
 * Streams a session's events after `after` as they happen, with a keepalive every `keepaliveMs`
 * when nothing happens, until the final event: FAILED or STOPPED, or READY for a stream that began
 * before READY (a launch being watched: the stream ends where JupyterHub's progress stream ends).
 * A stream opened on a running session goes on (its warnings, a renewal) until the session ends.
 */
export async function streamEvents(
  log: SessionEventLog,
  session: Session,
  after: number,
  keepaliveMs: number,
  sink: EventSink,
): Promise<void> {
  const endsAtReady = isStarting(session.status);
  const finished = isFinal(session.status);
  let last = after;
  let lastWrite = Date.now();
  while (sink.open()) {
    const events = await eventsAfter(log, session.id, last, Math.max(0, keepaliveMs - (Date.now() - lastWrite)));
    for (const event of events) {
      await sink.send(event);
      last = event.id;
      if (isStreamEnd(event.phase) && (event.phase !== 'ready' || endsAtReady)) return;
    }
    // A session that had ended before the stream began has said all it will.
    if (finished) return;
    if (!events.length) await sink.keepalive();
    lastWrite = Date.now();
  }
}
