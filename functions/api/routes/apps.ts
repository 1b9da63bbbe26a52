import { Hono } from 'hono';
import { type AppSpec, mayUse, profilesFor } from '../../../shared/domain/app';
import type { Principal } from '../../../shared/domain/principal';
import { AppNotFoundError, DomainError } from '../../../shared/domain/errors';
import type { ApiDeps, ApiEnv, GroupMount } from '../context';

/** An app as GET /apps shows it (the portal's catalog renders it). */
export type AppView = ReturnType<typeof appView>;

/** What a user needs to launch an app; never its command or env. */
function appView(app: AppSpec, principal: Principal) {
  const profiles = profilesFor(app, principal);
  return {
    name: app.name,
    title: app.title ?? app.name,
    description: app.description,
    ...(app.type ? { type: app.type } : {}),
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
          })),
        }
      : {}),
    ...(app.profilesOnly ? { profilesOnly: true } : {}),
    idleTimeoutSeconds: app.idleTimeoutMs / 1000,
    maxLifetimeSeconds: app.maxLifetimeMs / 1000,
    launchTimeoutSeconds: app.launchTimeoutMs / 1000,
  };
}

function appRoutes(deps: ApiDeps): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>();
  // Only the apps the caller may launch: the others are not there for them.
  app.get('/', (c) =>
    c.json({
      apps: deps.apps
        .list()
        .filter((a) => mayUse(a.access, c.var.principal))
        .map((a) => appView(a, c.var.principal)),
    }),
  );
  // The icon (apps file `icon`, SimPhoNy's `icon_128` label) as an image; an SVG may not run script.
  app.get('/:name/icon', (c) => {
    const spec = deps.apps.list().find((a) => a.name === c.req.param('name') && mayUse(a.access, c.var.principal));
    if (!spec) throw new AppNotFoundError(c.req.param('name').slice(0, 64));
    if (!spec.icon) throw new DomainError('route.not_found', `App ${spec.name} has no icon.`);
    const comma = spec.icon.indexOf(',');
    const type = spec.icon.slice('data:'.length, spec.icon.indexOf(';'));
    c.header('content-type', type);
    c.header('cache-control', 'private, max-age=300');
    c.header('x-content-type-options', 'nosniff');
    c.header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; sandbox");
    return c.body(Buffer.from(spec.icon.slice(comma + 1), 'base64'));
  });
  return app;
}

/** The `catalog` group. */
export const catalogGroup: GroupMount = (app, deps) => {
  app.route('/apps', appRoutes(deps));
};
