import type { Access, AppSpec, Profile } from './app';

/*
 * Who may launch an app and choose its profiles: one decision that the launch service, the catalog's routes and the
 * launcher's visitor gate all ask.
 */

/** Whether `principal` passes `access` (none given: everyone does). */
export function mayUse(
  access: Access | undefined,
  principal: { user: string; admin: boolean; groups?: readonly string[] | undefined },
): boolean {
  if (!access || principal.admin) return true;
  return access.users.includes(principal.user) || access.groups.some((g) => principal.groups?.includes(g) ?? false);
}

/** Whether `principal` may launch `app`: a visitor (no account) only an app open to anyone, anyone else by its access. */
export function mayLaunch(
  app: Pick<AppSpec, 'access' | 'open'>,
  principal: Parameters<typeof mayUse>[1] & { visitor?: true | undefined },
): boolean {
  return principal.visitor ? !!app.open : mayUse(app.access, principal);
}

/** The profiles of an app `principal` may choose. */
export function profilesFor(app: Pick<AppSpec, 'profiles'>, principal: Parameters<typeof mayUse>[1]): Profile[] {
  return (app.profiles ?? []).filter((p) => mayUse(p.access, principal));
}
