import type { AppSpec } from './app';
import type { Principal } from './principal';

/*
 * Secrets by reference, optionally per group (#38): `secrets: {NAME: ref}` reach every session of the app;
 * `secrets: {NAME: {ref, groups}}` only the sessions of a member of one of its groups (a licence the lab holds).
 * Which a session gets is decided once, at launch, from its caller's groups, and kept on the session by name.
 */

/** The group-held secrets the caller gets, by name (none for a launch with no caller). */
export function groupSecretsFor(app: Pick<AppSpec, 'secretGroups'>, caller: Principal | undefined): string[] {
  const groups = new Set(caller?.groups ?? []);
  return Object.entries(app.secretGroups ?? {})
    .filter(([, held]) => held.some((g) => groups.has(g)))
    .map(([name]) => name);
}

/** The references a session's environment gets: every secret of the app's for all, and the group-held it was given. */
export function secretRefsOf(
  app: Pick<AppSpec, 'secrets' | 'secretGroups'>,
  granted: readonly string[] | undefined,
): Record<string, string> {
  return Object.fromEntries(
    Object.entries(app.secrets ?? {}).filter(([name]) => !app.secretGroups?.[name] || granted?.includes(name)),
  );
}
