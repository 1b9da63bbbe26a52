/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
import { isLive } from '../../shared/domain/session';
import type { AppView } from '../api/views/app';
import type { PoolView } from '../api/views/pool';
import type { SessionView as ApiSessionView } from '../api/views/session';
import { RelaunchButton } from './relaunch';

/** A session as GET /sessions lists it: a grantee's shared ones are marked. */
type SessionView = ApiSessionView & {
  sharedWithYou?: boolean;
  shares?:
    | { id: string; user?: string | undefined; group?: string | undefined; expiresAt?: string | undefined }[]
    | undefined;
};

export const mib = (n: number) => (n >= 1024 ? `${(n / 1024).toFixed(n % 1024 ? 1 : 0)} GiB` : `${n} MiB`);

/** "08:08 UTC" (the day too when it is not today's) and how long ago or ahead, from the server's clock. */
function when(time: string | undefined, now: number): string {
  if (!time) return '';
  const d = new Date(time);
  const ms = d.getTime();
  const sameDay = d.toISOString().slice(0, 10) === new Date(now).toISOString().slice(0, 10);
  const at = `${sameDay ? '' : `${d.toISOString().slice(0, 10)} `}${d.toISOString().slice(11, 16)} UTC`;
  const minutes = Math.round((ms - now) / 60_000);
  const span =
    Math.abs(minutes) < 1
      ? 'now'
      : Math.abs(minutes) < 120
        ? `${Math.abs(minutes)} min`
        : `${Math.round(Math.abs(minutes) / 60)} h`;
  return span === 'now' ? `${at}, just now` : minutes < 0 ? `${at}, ${span} ago` : `${at}, in ${span}`;
}

/** A status reason in words: its code (before any colon) explained, the runtime's detail kept. */
function reasonText(reason: string | undefined): string {
  if (!reason) return '';
  const [code, ...rest] = reason.split(':');
  const detail = rest.join(':').trim();
  const words: Record<string, string> = {
    user: 'Stopped by you',
    admin: 'Stopped by an admin',
    idle: 'Stopped: nobody used it for its idle timeout',
    expired: 'Stopped: it reached its expiry',
    shutdown: 'Stopped: the server shut down',
    'launch-timeout': 'Did not get ready in time',
    'app-exited': 'The app exited',
    'exited-before-ready': 'The app exited before it was ready (exited-before-ready)',
    oom: 'Killed: over its memory limit',
    lost: 'Lost: its process or task was gone',
    completed: 'Completed',
    'job-failed': 'The job failed',
  };
  const said = words[code!] ?? code!;
  return detail ? `${said}: ${detail}` : said;
}

/**
 * One session as a card; the client script follows a starting one's events and swaps the list when something changes.
 */
// Over 60 lines: markup, one card with its status, links, actions, share box and log.
function SessionCard(props: {
  session: SessionView;
  app?: AppView | undefined;
  own: boolean;
  admin?: boolean;
  now: number;
}) {
  const s = props.session;
  const own = props.own;
  // Shared with this user by its owner: they may open it (with their own token), not stop or renew it.
  const shared = s.sharedWithYou === true;
  const open = `/open/${s.id}`;
  const live = isLive(s.status);
  // Waiting in the queue is part of starting: its card follows the events, which tell its place.
  const starting = s.status === 'QUEUED' || s.status === 'PENDING' || s.status === 'STARTING';
  // A job has no page to open: its card says how it is doing, how it ended and what it wrote.
  const job = s.kind === 'job';
  const warning = s.warned?.expiry
    ? `It will end at ${when(s.expiresAt, props.now)}: extend it to keep it.`
    : s.warned?.idle
      ? 'Nobody has used it for a while: it will be stopped as idle unless it is used.'
      : undefined;
  return (
    <li class={`card session status-${s.status.toLowerCase()}`} data-id={s.id} data-status={s.status}>
      <div class="session-head">
        <h3>{s.name}</h3>
        {job ? <span class="badge kind">job</span> : null}
        <span class="badge">{job && s.status === 'READY' ? 'RUNNING' : s.status}</span>
      </div>
      {shared ? <p class="meta shared">shared with you by {s.owner}</p> : null}
      <p class="meta">
        {props.app?.title ?? s.app} · {s.resources.cpu} vCPU · {mib(s.resources.memory)}
        <br />
        started <time datetime={s.createdAt}>{when(s.createdAt, props.now)}</time>
        {live ? (
          <>
            <br />
            expires <time datetime={s.expiresAt}>{when(s.expiresAt, props.now)}</time>
          </>
        ) : null}
        {props.admin && s.lastActivityAt ? (
          <>
            <br />
            last used <time datetime={s.lastActivityAt}>{when(s.lastActivityAt, props.now)}</time>
          </>
        ) : null}
        {props.admin ? (
          <>
            <br />
            owner {s.owner}
          </>
        ) : null}
      </p>
      {starting ? (
        <div class="progress" data-events={`/sessions/${s.id}/events`}>
          <progress max="100" value="0" aria-label={`Starting ${s.name}`} />
          <span class="phase">{s.status === 'QUEUED' ? 'Waiting in the queue…' : 'Starting…'}</span>
        </div>
      ) : null}
      {s.status === 'FAILED' || (s.statusReason && !live) ? (
        <p class={s.status === 'FAILED' ? 'reason' : 'ended'}>{reasonText(s.statusReason)}</p>
      ) : null}
      {!live && own ? (
        <div class="actions">
          {props.app ? <RelaunchButton session={s} app={props.app} /> : null}
          {/* What it wrote before it ended (a failed start's last lines too). */}
          <button type="button" data-action="logs" data-id={s.id} aria-expanded="false">
            Log
          </button>
        </div>
      ) : null}
      {warning && live && own ? (
        <p class="banner" role="status">
          {warning}{' '}
          {s.warned?.expiry ? (
            <button type="button" data-action="renew" data-id={s.id}>
              Extend
            </button>
          ) : s.status === 'READY' ? (
            <a class="button" href={open} rel="noopener">
              Use it
            </a>
          ) : null}
        </p>
      ) : null}
      {live ? (
        <div class="actions">
          {s.status === 'READY' && !job && (own || shared) ? (
            <a class="button primary" href={open} rel="noopener">
              Open
            </a>
          ) : null}
          {own && s.status !== 'QUEUED' ? (
            <button type="button" data-action="renew" data-id={s.id}>
              Renew
            </button>
          ) : null}
          {shared ? null : (
            <button type="button" data-action="stop" data-id={s.id}>
              Stop
            </button>
          )}
          <button type="button" data-action="logs" data-id={s.id} aria-expanded="false">
            Log
          </button>
        </div>
      ) : null}
      {live && own && !job && s.status !== 'STOPPING' ? (
        <details class="share-box" open={s.shares?.length ? true : undefined}>
          <summary>{s.shares?.length ? `Shared with ${s.shares.length}` : 'Share'}</summary>
          {s.shares?.length ? (
            <ul class="shares">
              {s.shares.map((sh) => (
                <li>
                  {sh.user ?? `group ${sh.group}`}
                  {sh.expiresAt ? <small>{` until ${when(sh.expiresAt, props.now)}`}</small> : null}{' '}
                  <button type="button" data-action="unshare" data-id={s.id} data-share={sh.id}>
                    Revoke
                  </button>
                </li>
              ))}
            </ul>
          ) : null}
          <form class="share" data-id={s.id} aria-label={`Share ${s.name}`}>
            <label for={`share-${s.id}`}>With a user, or group:name</label>
            <input
              id={`share-${s.id}`}
              name="grantee"
              type="text"
              required
              maxlength={134}
              placeholder="bob or group:viz"
            />
            <label for={`share-${s.id}-hours`}>For how many hours (empty: until it ends)</label>
            <input id={`share-${s.id}-hours`} name="hours" type="number" min="1" max="8784" step="1" />
            <button type="submit">Share</button>
            <small class="share-status" role="status" />
          </form>
        </details>
      ) : null}
      <pre class="log" hidden />
    </li>
  );
}

export function SessionList(props: {
  sessions: { session: SessionView; app?: AppView | undefined; own: boolean }[];
  admin?: boolean;
  now: number;
}) {
  if (props.sessions.length === 0)
    return <p class="empty">{props.admin ? 'No session is live.' : 'No sessions yet: launch an app below.'}</p>;
  return (
    <ul class="sessions">
      {props.sessions.map((s) => (
        <SessionCard session={s.session} app={s.app} own={s.own} admin={props.admin ?? false} now={props.now} />
      ))}
    </ul>
  );
}

export function PoolTable(props: { pools: PoolView[] }) {
  if (props.pools.length === 0) return <p class="empty">No app has a warm pool.</p>;
  return (
    <table>
      <caption>Warm pools</caption>
      <thead>
        <tr>
          <th scope="col">App</th>
          <th scope="col">Ready</th>
          <th scope="col">Starting</th>
          <th scope="col">Target</th>
          <th scope="col">Hits</th>
          <th scope="col">Misses</th>
          <th scope="col">Paused</th>
          <th scope="col">
            <span class="visually-hidden">Pause or resume</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {props.pools.map((p) => (
          <tr>
            <td>{p.app}</td>
            <td>{p.ready}</td>
            <td>{p.starting}</td>
            <td>{p.target}</td>
            <td>{p.hits}</td>
            <td>{p.misses}</td>
            <td>{p.paused ? (p.pausedReason ?? 'yes') : 'no'}</td>
            <td>
              {p.paused ? (
                <button type="button" data-action="resume-pool" data-app={p.app}>
                  Resume
                </button>
              ) : (
                <form class="pause" data-app={p.app} aria-label={`Pause the ${p.app} pool`}>
                  <input name="reason" type="text" maxlength={200} placeholder="why (optional)" aria-label="Why" />
                  <button type="submit">Pause</button>
                </form>
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
