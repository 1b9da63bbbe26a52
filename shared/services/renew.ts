import { SessionNotFoundError } from '../domain/errors';
import type { Session } from '../domain/session';
import { renew } from '../domain/transitions';
import { lifetimeOf } from '../domain/chosen-limits';
import type { ServiceDeps } from './deps';
import { applyUntilSettled } from './update';

/** Extends a live session's expiry by its lifetime (its own choice, or its app's) from now, up to `ceilingMs` after it began. */
export async function renewSession(deps: ServiceDeps, session: Session, ceilingMs: number): Promise<Session> {
  const maxLifetimeMs = lifetimeOf(session, deps.apps.get(session.app));
  const renewed = await applyUntilSettled(deps, session, (s) => {
    const next = renew(s, deps.clock.now(), maxLifetimeMs, ceilingMs);
    return next.expiresAt === s.expiresAt && next.lastActivityAt === s.lastActivityAt ? undefined : next;
  });
  if (!renewed) throw new SessionNotFoundError(session.id);
  return renewed;
}
