import type { SessionEvent } from './events';
import type { Session } from './session';
import { connectUrl, type UrlSettings } from './urls';

/**
 * An event as clients see it, from the API and the router alike: a superset of JupyterHub's
 * spawn-progress events (`progress`, `message`, and on the last `ready` and `url`), so its
 * progress bar works unchanged; `connectURL` is the same address under the API's name for it. The
 * url carries no token.
 */
export function eventView(event: SessionEvent, session: Session, urls: UrlSettings) {
  const url = connectUrl(urls, session.id, undefined, session.app);
  return {
    id: event.id,
    at: new Date(event.at).toISOString(),
    phase: event.phase,
    message: event.message,
    progress: event.progress,
    ...(event.phase === 'ready' ? { ready: true, url, connectURL: url } : {}),
    ...(event.phase === 'failed' || event.phase === 'stopped'
      ? { ready: false, failed: event.phase === 'failed' }
      : {}),
  };
}
