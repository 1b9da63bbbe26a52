import { Hono } from 'hono';
import { mayUse } from '../../../shared/domain/app-access';
import { AppNotFoundError, DomainError } from '../../../shared/domain/errors';
import type { ApiDeps, ApiEnv, GroupMount } from '../context';
import { appView } from '../views/app';

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
