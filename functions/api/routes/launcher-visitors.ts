import type { Context } from 'hono';
import type { AppSpec } from '../../../shared/domain/app';
import { mayLaunch } from '../../../shared/domain/app-access';
import { CapacityError, DomainError } from '../../../shared/domain/errors';
import type { Principal } from '../../../shared/domain/principal';
import { VISITOR_PREFIX } from '../auth/visitors';
import type { ApiDeps } from '../context';
import { addressRateLimit } from '../rate-limit';

/** wslink's own words when its port range is used up. */
const ALL_TAKEN = 'All the resources are currently taken';

/**
 * What bounds visitors' launches of an app open to anyone: per client address, at most the app's launches a minute; in
 * all, at most its `max` visitors' sessions live, counted from the live index with this process's launches of the app
 * one at a time (on Lambda, instances at once may pass the count together by one each: the bound is per instance).
 */
export function visitorGate(deps: Pick<ApiDeps, 'store'>) {
  const perAddress = new Map<string, ReturnType<typeof addressRateLimit>>();
  const queues = new Map<string, Promise<unknown>>();
  const liveVisitors = async (app: string) => {
    let n = 0;
    for await (const s of deps.store.listLive()) if (s.app === app && s.owner.startsWith(VISITOR_PREFIX)) n++;
    return n;
  };
  return async <T>(c: Context, principal: Principal, app: AppSpec | undefined, launch: () => Promise<T>) => {
    if (!principal.visitor) return launch();
    if (!app || !mayLaunch(app, principal) || !app.open)
      throw new DomainError('auth.unauthenticated', 'A valid credential is required: this app is not open to anyone.');
    const { max, perAddressPerMinute } = app.open;
    const limit = perAddress.get(app.name) ?? addressRateLimit(perAddressPerMinute);
    perAddress.set(app.name, limit);
    limit.check(c);
    limit.count(c);
    const before = queues.get(app.name) ?? Promise.resolve();
    const mine = before.then(async () => {
      if ((await liveVisitors(app.name)) >= max) throw new CapacityError(ALL_TAKEN);
      return launch();
    });
    queues.set(
      app.name,
      mine.catch(() => undefined),
    );
    return mine;
  };
}
