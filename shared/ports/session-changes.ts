/**
 * Word that a session's record has changed, for those waiting on it (the router holding a socket
 * for a starting session, the wslink launcher holding its reply). In one process the store's own
 * writes tell it (`NotifyingSessionStore`); where the writer is another process (AWS: task-events
 * writes, the router reads) there is none, and waiters poll the one record instead.
 */
export interface SessionChanges {
  /** Resolves when session `id` next changes, or after `timeoutMs`, whichever is first. */
  next(id: string, timeoutMs: number): Promise<void>;
  /** Calls `listener` with the id of every record that changes; returns the unsubscribe. */
  onChange(listener: (id: string) => void): () => void;
}

/** Waits for a change to `id`, or `timeoutMs` when nothing tells of changes. */
export function changeOrTimeout(changes: SessionChanges | undefined, id: string, timeoutMs: number): Promise<void> {
  if (changes) return changes.next(id, timeoutMs);
  return new Promise((resolve) => setTimeout(resolve, timeoutMs));
}
