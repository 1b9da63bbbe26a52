import type { Session } from '../../../shared/domain/session';
import { currentWarnings } from '../../../shared/domain/transitions';
import { clientUrl, barUrl, connectUrl, sessionUrl, type UrlSettings } from '../../../shared/domain/urls';
import { iso } from './common';
import type { SessionView, ShareView } from './session-schemas';

export type { SessionView, ShareView } from './session-schemas';

/** The warnings that still hold, as ISO times (none: no field). */
const warnedView = (warned: Session['warned']) =>
  warned ? { warned: { idle: iso(warned.idle), expiry: iso(warned.expiry) } } : {};

/**
 * The views last built of records that cannot change (the local store hands out frozen records, and
 * keeps them across reads): a list polled while nothing changes builds each view once (#39).
 */
const kept = new WeakMap<Session, { urls: UrlSettings; publicUrl: string; view: SessionView }>();

/** A session as the API shows it: ISO times, URLs, never the token hash or the runtime id. */
export function sessionView(session: Session, urls: UrlSettings, token?: string): SessionView {
  if (token !== undefined || !Object.isFrozen(session)) return viewOf(session, urls, token);
  const hit = kept.get(session);
  if (hit?.urls === urls && hit.publicUrl === urls.publicUrl) return hit.view;
  const view = Object.freeze(viewOf(session, urls));
  kept.set(session, { urls, publicUrl: urls.publicUrl, view });
  return view;
}

function viewOf(session: Session, urls: UrlSettings, token?: string): SessionView {
  return {
    id: session.id,
    name: session.name,
    app: session.app,
    owner: session.owner,
    status: session.status,
    statusReason: session.statusReason,
    kind: session.kind,
    cmd: session.command?.cmd,
    args: session.command?.args,
    exitCode: session.exitCode,
    group: session.group,
    profile: session.profile,
    ...(session.volumes ? { volumes: session.volumes } : {}),
    ...(session.idleTimeoutMs !== undefined
      ? { idleTimeoutSeconds: session.idleTimeoutMs === 0 ? null : session.idleTimeoutMs / 1000 }
      : {}),
    ...(session.maxLifetimeMs !== undefined ? { maxLifetimeSeconds: session.maxLifetimeMs / 1000 } : {}),
    image: session.image,
    resources: session.resources,
    params: session.params,
    createdAt: iso(session.createdAt)!,
    readyAt: iso(session.readyAt),
    lastActivityAt: iso(session.lastActivityAt),
    expiresAt: iso(session.expiresAt)!,
    stoppedAt: iso(session.stoppedAt),
    ...warnedView(currentWarnings(session)),
    ...(session.kind === 'job'
      ? { sessionURL: '', connectURL: '' }
      : {
          sessionURL: sessionUrl(urls, session.id, token),
          connectURL: connectUrl(urls, session.id, token, session.app),
          clientURL: clientUrl(urls, session.id, session.app),
          barURL: barUrl(urls, session.id, session.app, token),
        }),
  };
}

/** A share as its owner sees it: never its token's hash. */
export function shareView(s: NonNullable<Session['shares']>[number]): ShareView {
  return {
    id: s.id,
    ...(s.user !== undefined ? { user: s.user } : { group: s.group }),
    by: s.by,
    createdAt: new Date(s.createdAt).toISOString(),
    ...(s.expiresAt !== undefined ? { expiresAt: new Date(s.expiresAt).toISOString() } : {}),
  };
}
