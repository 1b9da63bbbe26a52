import { decide, refusal, type SessionAction, type SessionRole } from '../domain/authorization';
import { IllegalTransitionError, SessionNotFoundError, ValidationError } from '../domain/errors';
import { chosenLimit, limitsOf, storedIdle } from '../domain/chosen-limits';
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
 * Its owner (or an admin) chooses a live session's idle timeout (`Infinity`: never) or lifetime (counted from its
 * launch), within its app's or profile's bounds; a grantee is refused. Choosing is using it: its idle clock starts
 * again. A lifetime that would already be over is refused (stop it instead).
 */
export async function chooseLimitsAs(
  deps: ServiceDeps,
  principal: Principal,
  id: string,
  chosen: { idleTimeout?: number | undefined; maxLifetime?: number | undefined },
): Promise<Session> {
  const { session } = await authorizedSession(deps, principal, 'renew', id);
  const app = deps.apps.get(session.app);
  if (!app) throw new IllegalTransitionError(session.status, 'given limits: its app is gone');
  const limits = limitsOf(app, session.profile);
  const idle =
    chosen.idleTimeout === undefined ? undefined : storedIdle(chosenLimit(limits, 'idleTimeout', chosen.idleTimeout));
  const lifetime =
    chosen.maxLifetime === undefined ? undefined : chosenLimit(limits, 'maxLifetime', chosen.maxLifetime);
  const now = deps.clock.now();
  if (lifetime !== undefined && session.createdAt + lifetime <= now)
    throw new ValidationError(`maxLifetime: ${Math.round(lifetime / 1000)}s from its launch is already over`, {
      problems: ['maxLifetime: already over; stop the session instead'],
    });
  const after = await applyUntilSettled(deps, session, (s) => {
    if (!isLive(s.status) || s.status === 'STOPPING') throw new IllegalTransitionError(s.status, 'given new limits');
    return {
      ...s,
      ...(idle !== undefined ? { idleTimeoutMs: idle } : {}),
      ...(lifetime !== undefined ? { maxLifetimeMs: lifetime, expiresAt: s.createdAt + lifetime } : {}),
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
