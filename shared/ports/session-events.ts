import type { NewSessionEvent, SessionEvent } from '../domain/events';

/**
 * Each session's event log: what happened to it, in the order it became known, each event once
 * (by its key). Bounded per session; kept some days after the session ends.
 */
export interface SessionEventLog {
  /**
   * Appends the events whose keys the log does not hold yet, in the order given; returns those
   * written (with their ids). A full log drops all but the events that end the session.
   */
  append(sessionId: string, events: readonly NewSessionEvent[]): Promise<SessionEvent[]>;
  /** The session's events after id `after` (0: all), in order. */
  list(sessionId: string, after?: number): Promise<SessionEvent[]>;
  /**
   * Resolves when the session's log may have grown past what a reader saw, or after `timeoutMs`.
   * Where this process sees every append (the local server) it is woken at once; elsewhere it
   * resolves after a short poll interval, and the reader lists again.
   */
  changed(sessionId: string, timeoutMs: number): Promise<void>;
}
