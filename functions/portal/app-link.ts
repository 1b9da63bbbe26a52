import type { ParamSpec } from '../../shared/domain/app';
import { checkParams } from '../../shared/domain/launch-request';
import type { AppView } from '../api/views/app';
import type { SessionView } from '../api/views/session';

/**
 * What a link to `/apps/<app>/<path>?<query>` carries (#38): the app's own settings (its params by name, a `profile`),
 * checked as the API checks a launch, and the rest (the path after the app's address, every other query parameter)
 * for the app itself once it runs, as a trame client hands its page's query to its launch.
 */
export interface LinkSettings {
  params: Record<string, string>;
  profile?: string;
  /** Whether the link says anything about how to start (then a person confirms what will start). */
  carries: boolean;
  problems: string[];
  /** For the app: the path after `/apps/<app>/` and the query without the settings. */
  forward: { path: string; query: [string, string][] };
}

export function linkSettings(app: AppView, rest: string, query: URLSearchParams): LinkSettings {
  const params: Record<string, string> = {};
  const forward: [string, string][] = [];
  let profile: string | undefined;
  for (const [key, value] of query) {
    if (Object.hasOwn(app.params, key)) params[key] = value;
    else if (key === 'profile') profile = value;
    else forward.push([key, value]);
  }
  // The API's own check of a launch's params (one rule): a bad value is told here, before anything starts.
  const problems = Object.keys(params).length
    ? checkParams({ name: app.name, params: app.params as Record<string, ParamSpec> }, params).problems
    : [];
  if (profile !== undefined && !app.profiles?.some((p) => p.name === profile))
    problems.push(`profile: app ${app.name} has no profile ${JSON.stringify(profile.slice(0, 32))} you may choose`);
  return {
    params,
    ...(profile !== undefined ? { profile } : {}),
    carries: Object.keys(params).length > 0 || profile !== undefined,
    problems,
    forward: { path: rest, query: forward },
  };
}

/** Whether a running session was started with what the link asks for (then the link opens it). */
export function startedWith(session: SessionView, settings: LinkSettings): boolean {
  return (
    Object.entries(settings.params).every(([k, v]) => session.params[k] === v) &&
    (settings.profile === undefined || session.profile === settings.profile)
  );
}

/** Where a session opens (its connect or client URL) with the link's path and query handed on to the app. */
export function withForward(open: string, forward: LinkSettings['forward']): string {
  const absolute = /^https?:\/\//.test(open);
  const url = new URL(open, 'http://portal.invalid');
  if (forward.path && url.pathname.endsWith('/')) url.pathname += forward.path;
  for (const [k, v] of forward.query) url.searchParams.append(k, v);
  return absolute ? url.toString() : `${url.pathname}${url.search}`;
}
