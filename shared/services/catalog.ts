import type { AppSpec } from '../domain/app';

/** Why the runtime in use cannot run an app (with a user's image, if given); undefined when it can. */
export type CannotRun = (app: AppSpec, image?: string) => string | undefined;

/** Apps found elsewhere than the apps file (labelled images), refreshed now and then. */
export interface DiscoveredApps {
  current(): ReadonlyMap<string, AppSpec>;
  refresh(): Promise<void>;
}

/**
 * The apps (the apps file's, then those labelled images describe, the file winning a name), and
 * which of them the runtime in use can run. `list()` offers only those (GET /apps,
 * skaha's images); `get()` finds any, for sessions already recorded. As in the trame image, `trame`
 * names the first app when none is called that.
 */
export class AppCatalog {
  constructor(
    private readonly apps: ReadonlyMap<string, AppSpec>,
    private readonly cannotRun: CannotRun = () => undefined,
    private readonly discovered?: DiscoveredApps,
  ) {}

  get(name: string): AppSpec | undefined {
    const app = this.apps.get(name) ?? this.discovered?.current().get(name);
    if (app || name !== 'trame') return app;
    return this.list()[0];
  }

  /** The apps this deployment can launch. */
  list(): AppSpec[] {
    const found = [...(this.discovered?.current().values() ?? [])].filter((app) => !this.apps.has(app.name));
    return [...this.apps.values(), ...found].filter((app) => !this.cannotRun(app));
  }

  /** Looks at the image sources again if the last look is older than their TTL. */
  refresh(): Promise<void> {
    return this.discovered?.refresh() ?? Promise.resolve();
  }

  /** Why `app` (with `image`, for an app that takes one) cannot be launched here; undefined when it can. */
  whyNot(app: AppSpec, image?: string): string | undefined {
    return this.cannotRun(app, image);
  }
}
