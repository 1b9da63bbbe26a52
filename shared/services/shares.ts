import { randomBytes } from 'node:crypto';
import { DomainError, SessionNotFoundError, ValidationError } from '../domain/errors';
import { once } from '../domain/events';
import { deriveSessionCredential, hashToken } from '../domain/ids';
import { isLive, type Session, type Share } from '../domain/session';
import { activeShares } from '../domain/shares';
import type { LaunchDeps, ServiceDeps } from './deps';
import { recordEvents } from './session-events';
import { applyUntilSettled } from './update';

/** At most this many grants on one session. */
const MAX_SHARES = 50;

type ShareDeps = Pick<ServiceDeps, 'store' | 'quotas' | 'logger' | 'events' | 'metrics' | 'clock'> &
  Pick<LaunchDeps, 'tokenKey'>;

/** A grantee's own router token for a share: derived from the session and the share, never the owner's. */
export function shareToken(deps: Pick<LaunchDeps, 'tokenKey'>, sessionId: string, shareId: string): string {
  return deriveSessionCredential(deps.tokenKey, 'token', `${sessionId}/share/${shareId}`);
}

const whom = (s: Pick<Share, 'user' | 'group'>) => (s.user !== undefined ? `user ${s.user}` : `group ${s.group}`);

/**
 * Grants access to a live session: to a user or a group, until `expiresAt` if given. A second
 * grant to the same grantee replaces the first (its new expiry, a new token). The grant is an
 * event in the session's log.
 */
export async function grantShare(
  deps: ShareDeps,
  session: Session,
  grant: { user?: string | undefined; group?: string | undefined; expiresAt?: number | undefined; by: string },
): Promise<Share> {
  if ((grant.user === undefined) === (grant.group === undefined))
    throw new ValidationError('Give exactly one of `user` and `group`.');
  if (grant.user === session.owner) throw new ValidationError('The owner has the session already.');
  const now = deps.clock.now();
  if (grant.expiresAt !== undefined && grant.expiresAt <= now) throw new ValidationError('`expiresAt` is in the past.');
  const id = randomBytes(8).toString('hex');
  const share: Share = {
    id,
    ...(grant.user !== undefined ? { user: grant.user } : { group: grant.group! }),
    tokenHash: hashToken(shareToken(deps, session.id, id)),
    by: grant.by,
    createdAt: now,
    ...(grant.expiresAt !== undefined ? { expiresAt: grant.expiresAt } : {}),
  };
  // applyUntilSettled asks again after each write: a record that has the share is done.
  const written = await applyUntilSettled(deps, session, (s) => {
    if (s.shares?.some((x) => x.id === id)) return undefined;
    if (!isLive(s.status) || s.status === 'STOPPING')
      throw new DomainError(
        'session.illegal_transition',
        `Session ${s.id} is ${s.status}: it can no longer be shared.`,
      );
    const kept = activeShares(s, now).filter((x) => x.user !== share.user || x.group !== share.group);
    if (kept.length >= MAX_SHARES)
      throw new ValidationError(`A session is shared with at most ${MAX_SHARES} users and groups.`);
    return { ...s, shares: [...kept, share], version: s.version + 1 };
  });
  if (!written) throw new SessionNotFoundError(session.id);
  const until = share.expiresAt !== undefined ? ` until ${new Date(share.expiresAt).toISOString()}` : '';
  await recordEvents(deps, session.id, [once('shared', now, `Shared with ${whom(share)} by ${grant.by}${until}.`)]);
  return share;
}

/** Takes a grant back; its token stops working at the router within its lookup cache, and its sockets close. */
export async function revokeShare(deps: ShareDeps, session: Session, shareId: string, by: string): Promise<void> {
  let removed: Share | undefined;
  const written = await applyUntilSettled(deps, session, (s) => {
    const found = s.shares?.find((x) => x.id === shareId);
    if (!found && removed) return undefined; // written: done
    if (!found) throw new DomainError('route.not_found', `Session ${s.id} has no share ${shareId.slice(0, 32)}.`);
    removed = found;
    return { ...s, shares: s.shares!.filter((x) => x.id !== shareId), version: s.version + 1 };
  });
  if (!written) throw new SessionNotFoundError(session.id);
  await recordEvents(deps, session.id, [
    once('unshared', deps.clock.now(), `No longer shared with ${whom(removed!)} (by ${by}).`),
  ]);
}
