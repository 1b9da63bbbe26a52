import { DomainError, SessionNotFoundError } from './errors';
import type { Principal } from './principal';
import type { Session } from './session';
import { admittedBy, shareFor } from './shares';

/**
 * Everything one may do to a session. `read`: see it (its record, its list entry); `use`: reach
 * the app through the router; `events` and `logs`: its launch events and the app's output; `stop`,
 * `renew`, `share` (grant, list grants, revoke): control it.
 */
export const SESSION_ACTIONS = ['read', 'use', 'events', 'logs', 'stop', 'renew', 'share'] as const;
export type SessionAction = (typeof SESSION_ACTIONS)[number];

/** Who the principal is to the session: its owner, an admin, a grantee of an active share, or nobody. */
export type SessionRole = 'owner' | 'admin' | 'grantee' | 'stranger';

/**
 * The one table of who may do what. A grantee uses what was shared; only the owner or an admin
 * control it. An admin sees and controls every session but does not use one: a session is reachable
 * only by its owner and whom they share it with (the admin's view carries no token).
 */
const ALLOWED: Record<SessionRole, ReadonlySet<SessionAction>> = {
  owner: new Set(SESSION_ACTIONS),
  admin: new Set(SESSION_ACTIONS.filter((a) => a !== 'use')),
  grantee: new Set(['read', 'use', 'events', 'logs']),
  stranger: new Set(),
};

export type Decision =
  | { allow: true; role: Exclude<SessionRole, 'stranger'> }
  | { allow: false; role: SessionRole; code: 'session.not_found' | 'session.forbidden' };

/** The principal's role: the owner first (an admin's own session is theirs), then admin, then a grantee. */
export function roleOf(principal: Principal, session: Pick<Session, 'owner' | 'shares'>, now: number): SessionRole {
  if (session.owner === principal.user) return 'owner';
  if (principal.admin) return 'admin';
  return shareFor(session, principal, now) ? 'grantee' : 'stranger';
}

/**
 * The router's form of the decision, where the principal is the token presented: whom it admits for
 * `action` (`owner`, or the id of the active share it belongs to), or undefined.
 */
export function admitToken(
  session: Pick<Session, 'tokenHash' | 'shares'>,
  token: string,
  action: SessionAction,
  now: number,
): string | undefined {
  const by = admittedBy(session, token, now);
  if (by === undefined) return undefined;
  return permits(by === 'owner' ? 'owner' : 'grantee', action) ? by : undefined;
}

/** Whether a role may take an action. */
export function permits(role: SessionRole, action: SessionAction): boolean {
  return ALLOWED[role].has(action);
}

/**
 * The decision: `(principal, action, session) → allow | deny(code)`. Anyone to whom the session is
 * not visible gets `session.not_found`, the answer for no such session, so ids cannot be probed; a
 * grantee who asks to control it gets `session.forbidden`.
 */
export function decide(
  principal: Principal,
  action: SessionAction,
  session: Pick<Session, 'owner' | 'shares'>,
  now: number,
): Decision {
  const role = roleOf(principal, session, now);
  if (role !== 'stranger' && permits(role, action)) return { allow: true, role };
  return { allow: false, role, code: role === 'stranger' ? 'session.not_found' : 'session.forbidden' };
}

/** The decision as an error to throw, for use cases: the session's id in a not-found, the action in a refusal. */
export function refusal(decision: Extract<Decision, { allow: false }>, id: string, action: SessionAction): DomainError {
  if (decision.code === 'session.not_found') return new SessionNotFoundError(id);
  return new DomainError(
    'session.forbidden',
    action === 'use'
      ? 'Only its owner and whom they share it with may use this session.'
      : `Only its owner (or an admin) may ${action} this session; it is shared with you to use.`,
    {
      details: { action },
    },
  );
}
