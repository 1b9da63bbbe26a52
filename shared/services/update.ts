import { workKindOf } from '../domain/limits';
import { recordUsage } from './usage';
import { ConflictError } from '../domain/errors';
import { isFinal, type Session } from '../domain/session';
import { eventsOfTransition } from '../domain/events';
import type { ServiceDeps } from './deps';
import { recordEvents } from './session-events';

/** Given the current record, the next one, or undefined when there is nothing (more) to do. */
export type Decide = (current: Session) => Session | undefined;

/**
 * Applies `decide` by conditional writes until it has nothing more to do. A lost race is normal:
 * the conflict carries the current record and `decide` runs again on it. The write that makes a
 * session final (there is exactly one) gives its resources back to the owner's quota. What each
 * write changed is recorded in the session's event log (ready, stopping, stopped, failed, renewed).
 * Returns the last record seen (undefined if there is none).
 */
export async function applyUntilSettled(
  deps: Pick<ServiceDeps, 'store' | 'quotas' | 'logger' | 'events' | 'metrics' | 'clock'> &
    Partial<Pick<ServiceDeps, 'apps' | 'usage'>>,
  start: Session | undefined,
  decide: Decide,
  maxWrites = 10,
): Promise<Session | undefined> {
  let current = start;
  for (let i = 0; current && i < maxWrites; i++) {
    const next = decide(current);
    if (!next) return current;
    let written: Session;
    try {
      written = await deps.store.transition(current, next);
    } catch (error) {
      if (!(error instanceof ConflictError)) throw error;
      current = error.current as Session | undefined;
      continue;
    }
    await recordEvents(deps, written.id, eventsOfTransition(current, written, deps.clock.now()));
    if (!isFinal(current.status) && isFinal(written.status)) {
      // A failed release leaves the counter high; the reaper re-derives it from the owner index. A queued session
      // holds no reservation: only one that left the queue gives one back.
      if (current.status !== 'QUEUED')
        await deps.quotas
          .release(written.owner, written.resources, workKindOf(written))
          .catch((error: unknown) =>
            deps.logger.warn({ sessionId: written.id, err: (error as Error).message }, 'could not release quota'),
          );
      // Its usage, once; what fails here the reaper writes on its next pass.
      await recordUsage(deps, written).catch((error: unknown) =>
        deps.logger.warn({ sessionId: written.id, err: (error as Error).message }, 'could not record usage'),
      );
    }
    current = written;
  }
  return current;
}
