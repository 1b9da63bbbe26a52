import { ConflictError } from '../domain/errors';
import type { Session } from '../domain/session';
import type { SessionStore } from '../ports/session-store';

/** Given the current record, the next one, or undefined when there is nothing (more) to do. */
export type Decide = (current: Session) => Session | undefined;

/**
 * Applies `decide` by conditional writes until it has nothing more to do. A lost race is normal:
 * the conflict carries the current record and `decide` runs again on it. Returns the last record
 * seen (undefined if there is none).
 */
export async function applyUntilSettled(store: SessionStore, start: Session | undefined, decide: Decide, maxWrites = 10): Promise<Session | undefined> {
  let current = start;
  for (let i = 0; current && i < maxWrites; i++) {
    const next = decide(current);
    if (!next) return current;
    try {
      current = await store.transition(current, next);
    } catch (error) {
      if (!(error instanceof ConflictError)) throw error;
      current = error.current as Session | undefined;
    }
  }
  return current;
}
