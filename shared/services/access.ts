import { decide, refusal, type SessionAction, type SessionRole } from '../domain/authorization';
import { IllegalTransitionError, SessionNotFoundError } from '../domain/errors';
import { chosenIdleTimeout, storedIdle } from '../domain/idle-limits';
import { isSessionId } from '../domain/ids';
import type { Principal } from '../domain/principal';
import { isLive, type Session } from '../domain/session';
import type { Page } from '../ports/session-store';
import type { ServiceDeps } from './deps';
import { renewSession } from './renew';
import { stopSession } from './stop';
import { applyUntilSettled } from './update';

/** A session and who the caller is to it, once the one decision allowed the action. */
export interface Authorized {
  session: Session;
  role: Exclude<SessionRole, 'stranger'>;
}

/**
 * The session `id` if `principal` may take `action` on it (shared/domain/authorization.ts decides);
 * otherwise the decision's refusal: not found for anyone it is not visible to (a malformed id never
 * reaches the store), forbidden for a grantee asking to control it. Every door calls this.
 */
export async function authorizedSession(
  deps: Pick<ServiceDeps, 'store' | 'clock'>,
  principal: Principal,
  action: SessionAction,
  id: string,
): Promise<Authorized> {
  const session = isSessionId(id) ? await deps.store.get(id) : undefined;
  if (!session) throw new SessionNotFoundError(id);
  const decision = decide(principal, action, session, deps.clock.now());
  if (!decision.allow) throw refusal(decision, id, action);
  return { session, role: decision.role };
}

/** Stops a session for its owner (reason `user`) or an admin (`admin`); a grantee is refused. */
export async function stopAs(deps: ServiceDeps, principal: Principal, id: string): Promise<Session> {
  const { session, role } = await authorizedSession(deps, principal, 'stop', id);
  return stopSession(deps, session.id, role === 'owner' ? 'user' : 'admin');
}

/** Renews a session for its owner or an admin, up to `ceilingMs` after it began; a grantee is refused. */
export async function renewAs(
  deps: ServiceDeps,
  principal: Principal,
  id: string,
  ceilingMs: number,
): Promise<Session> {
  const { session } = await authorizedSession(deps, principal, 'renew', id);
  return renewSession(deps, session, ceilingMs);
}

/**
 * Its owner (or an admin) chooses a live session's idle timeout, within its app's bounds (`ms`: Infinity for never);
 * a grantee is refused. Choosing is using it: its idle clock starts again, and an idle warning goes.
 */
export async function chooseIdleAs(deps: ServiceDeps, principal: Principal, id: string, ms: number): Promise<Session> {
  const { session } = await authorizedSession(deps, principal, 'renew', id);
  const stored = storedIdle(chosenIdleTimeout({ ...deps.apps.get(session.app)!, name: session.app }, ms));
  const now = deps.clock.now();
  const after = await applyUntilSettled(deps, session, (s) => {
    if (!isLive(s.status) || s.status === 'STOPPING')
      throw new IllegalTransitionError(s.status, 'given an idle timeout');
    return {
      ...s,
      idleTimeoutMs: stored,
      lastActivityAt: Math.max(s.lastActivityAt ?? 0, now),
      version: s.version + 1,
    };
  });
  return after ?? session;
}

/**
 * A page of the owner's own sessions, newest first, with those in flux (starting, stopping) read
 * again by id: the owner index is eventually consistent on DynamoDB, so a session whose READY its
 * event log already told (a portal card, a client following its events) is never listed as
 * still starting (#33).
 */
export async function listOwn(
  deps: Pick<ServiceDeps, 'store'>,
  owner: string,
  options: { limit?: number; cursor?: string } = {},
): Promise<Page<Session>> {
  const page = await deps.store.listByOwner(owner, options);
  const items = await Promise.all(
    page.items.map(async (s) => (isLive(s.status) && s.status !== 'READY' ? ((await deps.store.get(s.id)) ?? s) : s)),
  );
  return { ...page, items };
}
