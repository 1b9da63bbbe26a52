import { isStarting, type Session } from '../domain/session';
import { changeOrTimeout } from '../ports/session-changes';
import type { ServiceDeps } from './deps';

/**
 * Waits until a session is past starting (READY, or ended) or `deadline`; returns the last record.
 * Woken by the store's writes where this process sees them (`changes`), else a poll of the one
 * record with a backoff (50 ms, doubling to 500 ms).
 */
export async function awaitReady(
  deps: Pick<ServiceDeps, 'store' | 'clock' | 'changes'>,
  session: Session,
  deadline: number,
): Promise<Session> {
  let current = session;
  for (let delay = 50; isStarting(current.status) && deps.clock.now() < deadline; delay = Math.min(500, delay * 2)) {
    await changeOrTimeout(deps.changes, session.id, Math.min(delay, Math.max(1, deadline - deps.clock.now())));
    current = (await deps.store.get(session.id)) ?? current;
  }
  return current;
}
