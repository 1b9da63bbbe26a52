import type { AppSpec } from '../../../shared/domain/app';
import { profilesFor } from '../../../shared/domain/app-access';
import type { Principal } from '../../../shared/domain/principal';
import type { AppView } from './app-schemas';

export type { AppView } from './app-schemas';

const seconds = (ms: number) => (Number.isFinite(ms) ? ms / 1000 : null);
const choice = (value: number, bounds: { min: number; max: number }) => ({
  defaultSeconds: seconds(value),
  minSeconds: seconds(bounds.min) ?? 0,
  maxSeconds: seconds(bounds.max),
});

/** An app's (or a profile's) idle timeout and lifetime, and what a launch may choose within. */
function limitsView(app: AppSpec) {
  const job = app.kind === 'job';
  const choices = {
    ...(app.idleTimeoutBounds && !job ? { idleTimeout: choice(app.idleTimeoutMs, app.idleTimeoutBounds) } : {}),
    ...(app.maxLifetimeBounds ? { maxLifetime: choice(app.maxLifetimeMs, app.maxLifetimeBounds) } : {}),
  };
  return {
    idleTimeoutSeconds: job ? null : seconds(app.idleTimeoutMs),
    maxLifetimeSeconds: app.maxLifetimeMs / 1000,
    ...(Object.keys(choices).length ? { choices } : {}),
  };
}

/** What a user needs to launch an app; never its command or env. */
export function appView(app: AppSpec, principal: Principal): AppView {
  const profiles = profilesFor(app, principal);
  return {
    name: app.name,
    title: app.title ?? app.name,
    description: app.description,
    ...(app.type ? { type: app.type } : {}),
    ...(app.kind ? { kind: app.kind } : {}),
    ...(app.userCommand ? { userCommand: app.userCommand } : {}),
    ...(app.icon ? { icon: `apps/${encodeURIComponent(app.name)}/icon` } : {}),
    ...(app.fromLabels ? { image: app.image, source: 'image-labels' } : { source: 'apps-file' }),
    resources: app.resources,
    limits: app.limits,
    params: app.params,
    // The sizes this caller may choose (a profile open to others only is not shown to them).
    ...(profiles.length
      ? {
          profiles: profiles.map((p) => ({
            name: p.name,
            title: p.title ?? p.name,
            resources: p.resources,
            ...(p.capacity ? { capacity: p.capacity } : {}),
            ...(p.limits ? limitsView({ ...app, ...p.limits }) : {}),
          })),
        }
      : {}),
    ...(app.profilesOnly ? { profilesOnly: true } : {}),
    ...limitsView(app),
    launchTimeoutSeconds: app.launchTimeoutMs / 1000,
  };
}
