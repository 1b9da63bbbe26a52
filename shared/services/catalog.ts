import type { AppSpec } from '../domain/app';

/** The launchable apps. As in the trame image, `trame` names the first app when none is called that. */
export class AppCatalog {
  constructor(private readonly apps: ReadonlyMap<string, AppSpec>) {}

  get(name: string): AppSpec | undefined {
    const app = this.apps.get(name);
    if (app || name !== 'trame') return app;
    return this.apps.values().next().value;
  }

  list(): AppSpec[] {
    return [...this.apps.values()];
  }
}
