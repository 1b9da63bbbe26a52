import type { AppSpec } from './app';
import { DEFAULT_IDLE_TIMEOUT_MS } from './app';
import { ValidationError } from './errors';
import type { Session } from './session';

/**
 * Idle limits people choose (SageMaker's way): an app may let a launch (or a later PATCH) pick its own idle timeout
 * between the admin's `min` and `max` (`idleTimeout: {default, min, max}` in the apps file); `never` only where `max`
 * is never. A session's own choice is kept on its record as milliseconds, 0 for never (DynamoDB keeps no infinity).
 */
export function chosenIdleTimeout(
  app: Pick<AppSpec, 'name' | 'idleTimeoutMs' | 'idleTimeoutBounds'>,
  ms: number,
): number {
  const bounds = app.idleTimeoutBounds;
  const said = Number.isFinite(ms) ? `${Math.round(ms / 1000)}s` : 'never';
  if (!bounds) {
    if (ms === app.idleTimeoutMs) return ms;
    throw new ValidationError(`idleTimeout: app ${app.name} has a fixed idle timeout`, {
      problems: [`idleTimeout: app ${app.name} has a fixed idle timeout; ${said} is not it`],
    });
  }
  if (ms < bounds.min || ms > bounds.max) {
    const range = `${Math.round(bounds.min / 1000)}s to ${Number.isFinite(bounds.max) ? `${Math.round(bounds.max / 1000)}s` : 'never'}`;
    throw new ValidationError(`idleTimeout: from ${range} for app ${app.name}`, {
      problems: [`idleTimeout: from ${range} for app ${app.name}; ${said} is outside`],
    });
  }
  return ms;
}

/** As the record keeps it: 0 for never. */
export const storedIdle = (ms: number) => (Number.isFinite(ms) ? ms : 0);

/** The idle timeout that holds for a session: its own choice, or its app's (Infinity: never). */
export function idleTimeoutOf(
  session: Pick<Session, 'idleTimeoutMs'>,
  app: Pick<AppSpec, 'idleTimeoutMs'> | undefined,
): number {
  if (session.idleTimeoutMs !== undefined)
    return session.idleTimeoutMs === 0 ? Number.POSITIVE_INFINITY : session.idleTimeoutMs;
  return app?.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
}
