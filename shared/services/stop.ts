import { SessionNotFoundError } from '../domain/errors';
import { isFinal, type Session, type StopReason } from '../domain/session';
import { transition } from '../domain/transitions';
import type { ServiceDeps } from './deps';
import { applyUntilSettled } from './update';

/**
 * Stops a session: STOPPING first (so nothing new reaches it), then the runtime, then STOPPED once
 * the runtime confirms. Idempotent: stopping a stopped session returns it unchanged.
 */
export async function stopSession(deps: ServiceDeps, id: string, reason: StopReason): Promise<Session> {
  const found = await deps.store.get(id);
  if (!found) throw new SessionNotFoundError(id);
  if (isFinal(found.status)) return found;
  const stopping = await applyUntilSettled(deps, found, (s) =>
    isFinal(s.status) || s.status === 'STOPPING'
      ? undefined
      : // Waiting in the queue, nothing was started: canceled at once.
        transition(s, s.status === 'QUEUED' ? 'STOPPED' : 'STOPPING', { statusReason: reason }, deps.clock.now()),
  );
  if (!stopping || isFinal(stopping.status)) return stopping ?? found;
  deps.logger.info({ sessionId: id, reason }, 'session stop');
  return (await finishStop(deps, stopping, reason)) ?? stopping;
}

/**
 * Stops the runtime instance of a STOPPING session and records STOPPED once it is confirmed gone.
 * A session with no instance yet is left STOPPING: its launch stops what it started.
 */
export async function finishStop(deps: ServiceDeps, session: Session, reason: string): Promise<Session | undefined> {
  if (!session.runtime) return session;
  const { confirmed } = await deps.runtime.stop(session.runtime.runtimeId, reason);
  if (!confirmed) return session;
  return applyUntilSettled(deps, session, (s) =>
    s.status === 'STOPPING' ? transition(s, 'STOPPED', {}, deps.clock.now()) : undefined,
  );
}
