/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
import type { AppView } from '../api/views/app';
import type { SessionView } from '../api/views/session';

/**
 * "Launch again" (#38): the launch that made a session, asked again with the same settings (its params, its profile or
 * its own size, its name, a job's arguments, the idle timeout and lifetime its owner chose), as POST /sessions takes
 * them; the API checks it again as any launch.
 */
function launchBodyOf(s: SessionView, app: AppView | undefined): Record<string, unknown> {
  const r = s.resources;
  const ownSize = app && !s.profile && (r.cpu !== app.resources.cpu || r.memory !== app.resources.memory);
  return {
    app: s.app,
    ...(s.name !== s.app ? { name: s.name } : {}),
    ...(Object.keys(s.params).length ? { params: s.params } : {}),
    ...(s.profile ? { profile: s.profile } : {}),
    ...(ownSize ? { resources: { cpu: r.cpu, memory: r.memory, ...(r.gpus ? { gpus: r.gpus } : {}) } } : {}),
    ...(s.args?.length ? { args: s.args } : {}),
    ...(s.idleTimeoutSeconds !== undefined ? { idleTimeout: s.idleTimeoutSeconds ?? 'never' } : {}),
    ...(s.maxLifetimeSeconds !== undefined ? { maxLifetime: s.maxLifetimeSeconds } : {}),
  };
}

export function RelaunchButton(props: { session: SessionView; app: AppView | undefined }) {
  return (
    <button type="button" data-action="relaunch" data-launch={JSON.stringify(launchBodyOf(props.session, props.app))}>
      Launch again
    </button>
  );
}

/** What a launch's settings say, in a line: `GREETING=Hi · profile small · args --n=1`. */
function settingsText(body: Record<string, unknown>): string {
  const parts = [
    ...Object.entries((body.params as Record<string, string> | undefined) ?? {}).map(([k, v]) => `${k}=${v}`),
    ...(body.profile ? [`profile ${String(body.profile)}`] : []),
    ...(body.args ? [`args ${(body.args as string[]).join(' ')}`] : []),
  ];
  return parts.length ? parts.join(' · ') : 'default settings';
}

/**
 * The user's recent launches (their last sessions' settings, each once, newest first): remembered by what the API
 * already keeps, their own sessions, so nothing else is stored.
 */
export function RecentLaunches(props: { sessions: SessionView[]; apps: AppView[]; user: string }) {
  const seen = new Set<string>();
  const recent: { body: Record<string, unknown>; title: string }[] = [];
  for (const s of props.sessions) {
    const app = props.apps.find((a) => a.name === s.app);
    if (s.owner !== props.user || !app || s.group) continue;
    const body = launchBodyOf(s, app);
    const key = JSON.stringify(body);
    if (seen.has(key)) continue;
    seen.add(key);
    recent.push({ body, title: app.title ?? app.name });
    if (recent.length === 5) break;
  }
  if (!recent.length) return null;
  return (
    <section class="recent" aria-label="Recent launches">
      <h2>Recent launches</h2>
      <ul>
        {recent.map((r) => (
          <li>
            <strong>{r.title}</strong> <small>{settingsText(r.body)}</small>{' '}
            <button type="button" data-action="relaunch" data-launch={JSON.stringify(r.body)}>
              Launch again
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}
