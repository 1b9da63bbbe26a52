import type { Session } from '../../shared/domain/session';
import { currentWarnings } from '../../shared/domain/transitions';
import { connectUrl, sessionUrl, type UrlSettings } from '../../shared/domain/urls';

const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

/** The warnings that still hold, as ISO times (none: no field). */
const warnedView = (warned: Session['warned']) =>
  warned ? { warned: { idle: iso(warned.idle), expiry: iso(warned.expiry) } } : {};

/** A session as the API shows it (the portal's cards render it). */
export type SessionView = ReturnType<typeof sessionView>;

/** A session as the API shows it: ISO times, URLs, never the token hash or the runtime id. */
export function sessionView(session: Session, urls: UrlSettings, token?: string) {
  return {
    id: session.id,
    name: session.name,
    app: session.app,
    owner: session.owner,
    status: session.status,
    statusReason: session.statusReason,
    image: session.image,
    resources: session.resources,
    params: session.params,
    createdAt: iso(session.createdAt),
    readyAt: iso(session.readyAt),
    lastActivityAt: iso(session.lastActivityAt),
    expiresAt: iso(session.expiresAt),
    stoppedAt: iso(session.stoppedAt),
    ...warnedView(currentWarnings(session)),
    sessionURL: sessionUrl(urls, session.id, token),
    connectURL: connectUrl(urls, session.id, token, session.app),
  };
}
