import { SessionNotFoundError } from '../domain/errors';
import type { Session } from '../domain/session';
import { renew } from '../domain/transitions';
import type { ServiceDeps } from './deps';
import { applyUntilSettled } from './update';

/** Extends a live session's expiry by its app's maxLifetime from now, up to `ceilingMs` after it began. */
export async function renewSession(deps: ServiceDeps, session: Session, ceilingMs: number): Promise<Session> {
  const app = deps.apps.get(session.app);
  const maxLifetimeMs = app?.maxLifetimeMs ?? session.expiresAt - session.createdAt;
  const renewed = await applyUntilSettled(deps, session, (s) => {
    const next = renew(s, deps.clock.now(), maxLifetimeMs, ceilingMs);
    return next.expiresAt === s.expiresAt && next.lastActivityAt === s.lastActivityAt ? undefined : next;
  });
  if (!renewed) throw new SessionNotFoundError(session.id);
  return renewed;
}
