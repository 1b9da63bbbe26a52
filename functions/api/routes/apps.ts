import { Hono } from 'hono';
import type { AppSpec } from '../../../shared/domain/app';
import type { ApiDeps, ApiEnv, GroupMount } from '../context';

/** What a user needs to launch an app; never its command or env. */
function appView(app: AppSpec) {
  return {
    name: app.name,
    description: app.description,
    resources: app.resources,
    limits: app.limits,
    params: app.params,
    idleTimeoutSeconds: app.idleTimeoutMs / 1000,
    maxLifetimeSeconds: app.maxLifetimeMs / 1000,
    launchTimeoutSeconds: app.launchTimeoutMs / 1000,
  };
}

function appRoutes(deps: ApiDeps): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>();
  app.get('/', (c) => c.json({ apps: deps.apps.list().map(appView) }));
  return app;
}

/** The `catalog` group. */
export const catalogGroup: GroupMount = (app, deps) => {
  app.route('/apps', appRoutes(deps));
};
