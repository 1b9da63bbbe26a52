import type { QueueClass } from '../domain/queue';
import type { Session } from '../domain/session';

export interface Page<T> {
  items: T[];
  /** Opaque; pass back to get the next page. Undefined on the last page. */
  cursor?: string | undefined;
}

/**
 * Where session records live. Every change is one conditional write; a lost race throws
 * ConflictError carrying the current record.
 */
export interface SessionStore {
  /** Stores a new record; ConflictError if the id exists. */
  create(session: Session): Promise<void>;
  get(id: string): Promise<Session | undefined>;
  /**
   * Deletes a record that never got further than PENDING at `session`'s version (a launch refused
   * before anything started); false if it has moved on. Nothing else is ever deleted.
   */
  discard(session: Session): Promise<boolean>;
  /**
   * Replaces `current` by `next` if the stored record still has `current`'s status and version.
   * `next` is normally built by the domain's `transition()`.
   */
  transition(current: Session, next: Session): Promise<Session>;
  /** An owner's sessions, newest first. */
  listByOwner(owner: string, options?: { limit?: number; cursor?: string }): Promise<Page<Session>>;
  /** Every live session, from the sparse live index (never a scan). */
  listLive(): AsyncIterable<Session>;
  /**
   * The sessions waiting in the launch queue: QUEUED, and PENDING ones a dispatcher has taken from it and not yet
   * started (no runtime instance). From the queue's own part of the store, never every live session.
   */
  listQueued(): AsyncIterable<Session>;
  /** When the latest sessions of a class left the queue (epoch ms; a bounded number of them): its pace. */
  queueDepartures(cls: QueueClass): Promise<number[]>;
  /** Notes that sessions of a class left the queue at `times` (they started). */
  noteQueueDepartures(cls: QueueClass, times: readonly number[]): Promise<void>;
  /**
   * False only when the store knows no session is QUEUED (a store whose every write passes through this process);
   * absent or true: there may be, list them to know. Lets the queue's dispatcher skip a pass over every live session.
   */
  mayHaveQueued?(): boolean;
  /**
   * Live sessions with a share to any of `grantees` (`user:<name>`, `group:<name>`), from the
   * grantee index (never every live session). A share may have lapsed: callers check it holds.
   */
  listSharedWith(grantees: readonly string[]): Promise<Session[]>;
  /** Ended sessions whose usage record is not yet written (see services/usage.ts). */
  listUnrecorded(): AsyncIterable<Session>;
  /** Its usage record is written: it leaves listUnrecorded. */
  markRecorded(id: string): Promise<void>;
  /** Moves lastActivityAt forward for a live session; a no-op for a final or unknown one. */
  recordActivity(id: string, at: number): Promise<void>;
}
