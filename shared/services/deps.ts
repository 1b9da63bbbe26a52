import type { Clock } from '../ports/clock';
import type { Logger } from '../ports/logger';
import type { Runtime } from '../ports/runtime';
import type { SessionStore } from '../ports/session-store';
import type { AppCatalog } from './catalog';

/** What the use cases need; every entry (API, local server, Lambdas) builds one. */
export interface ServiceDeps {
  store: SessionStore;
  runtime: Runtime;
  apps: AppCatalog;
  clock: Clock;
  logger: Logger;
}
