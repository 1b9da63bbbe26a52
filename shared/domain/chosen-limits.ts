import type { AppSpec, Profile } from './app';
import { DEFAULT_IDLE_TIMEOUT_MS } from './app';
import { ValidationError } from './errors';
import type { Session } from './session';

/**
 * Limits people choose (SageMaker's way): an app, or one of its profiles, may let a launch (or a later PATCH) pick its
 * own idle timeout and lifetime between the admin's `min` and `max` (`idleTimeout: {default, min, max}`, the same for
 * `maxLifetime`, in the apps file); an idle timeout of `never` only where `max` is never. A session's choice is kept on
 * its record in milliseconds (an idle timeout of 0 for never: DynamoDB keeps no infinity).
 */
export type ChosenLimit = 'idleTimeout' | 'maxLifetime';

/** The limits a launch of an app (with a profile, perhaps) runs under: the profile's where it sets them. */
export type LimitsOf = Pick<
  AppSpec,
  'name' | 'idleTimeoutMs' | 'idleTimeoutBounds' | 'maxLifetimeMs' | 'maxLifetimeBounds'
>;

export function limitsOf(app: LimitsOf & Pick<AppSpec, 'profiles'>, profile?: Profile | string): LimitsOf {
  const p = typeof profile === 'string' ? app.profiles?.find((x) => x.name === profile) : profile;
  if (!p?.limits) return app;
  return { ...app, ...p.limits };
}

const seconds = (ms: number) => (Number.isFinite(ms) ? `${Math.round(ms / 1000)}s` : 'never');

/** `ms` (Infinity: never) if the app lets a launch choose it, else a ValidationError saying the bounds. */
export function chosenLimit(limits: LimitsOf, which: ChosenLimit, ms: number): number {
  const bounds = which === 'idleTimeout' ? limits.idleTimeoutBounds : limits.maxLifetimeBounds;
  const fixed = which === 'idleTimeout' ? limits.idleTimeoutMs : limits.maxLifetimeMs;
  const what = which === 'idleTimeout' ? 'idle timeout' : 'lifetime';
  if (!bounds) {
    if (ms === fixed) return ms;
    throw new ValidationError(`${which}: app ${limits.name} has a fixed ${what}`, {
      problems: [`${which}: app ${limits.name} has a fixed ${what}; ${seconds(ms)} is not it`],
    });
  }
  if (ms < bounds.min || ms > bounds.max) {
    const range = `${seconds(bounds.min)} to ${seconds(bounds.max)}`;
    throw new ValidationError(`${which}: from ${range} for app ${limits.name}`, {
      problems: [`${which}: from ${range} for app ${limits.name}; ${seconds(ms)} is outside`],
    });
  }
  return ms;
}

/** As the record keeps an idle timeout: 0 for never. */
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

/** The lifetime a renewal grants a session: its own choice (or its profile's), or its app's. */
export function lifetimeOf(
  session: Pick<Session, 'maxLifetimeMs' | 'expiresAt' | 'createdAt'>,
  app: Pick<AppSpec, 'maxLifetimeMs'> | undefined,
): number {
  return session.maxLifetimeMs ?? app?.maxLifetimeMs ?? session.expiresAt - session.createdAt;
}

/**
 * What a launch chose, checked, as the record keeps it: a value only where the launch chose one or its profile sets
 * its own (so the reaper and a renewal need not know profiles).
 */
export function launchLimits(
  app: LimitsOf,
  limits: LimitsOf,
  chosen: { idleTimeout?: number | undefined; maxLifetime?: number | undefined },
): { idleTimeoutMs?: number; maxLifetimeMs?: number; lifetime: number } {
  const idle =
    chosen.idleTimeout !== undefined
      ? chosenLimit(limits, 'idleTimeout', chosen.idleTimeout)
      : limits.idleTimeoutMs !== app.idleTimeoutMs
        ? limits.idleTimeoutMs
        : undefined;
  const lifetime =
    chosen.maxLifetime !== undefined ? chosenLimit(limits, 'maxLifetime', chosen.maxLifetime) : limits.maxLifetimeMs;
  return {
    ...(idle !== undefined ? { idleTimeoutMs: storedIdle(idle) } : {}),
    ...(lifetime !== app.maxLifetimeMs ? { maxLifetimeMs: lifetime } : {}),
    lifetime,
  };
}
