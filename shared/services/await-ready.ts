import { setTimeout as sleep } from 'node:timers/promises';
import { isStarting, type Session } from '../domain/session';
import type { ServiceDeps } from './deps';

/** Waits until a session is past starting (READY, or ended) or `deadline`; returns the last record. */
export async function awaitReady(deps: Pick<ServiceDeps, 'store' | 'clock'>, session: Session, deadline: number): Promise<Session> {
  let current = session;
  for (let delay = 50; isStarting(current.status) && deps.clock.now() < deadline; delay = Math.min(500, delay * 2)) {
    await sleep(Math.min(delay, Math.max(1, deadline - deps.clock.now())));
    current = (await deps.store.get(session.id)) ?? current;
  }
  return current;
}
