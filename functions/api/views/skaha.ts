import { type AppSpec, skahaImageOf, skahaTypeOf } from '../../../shared/domain/app';
import type { EventPhase, SessionEvent } from '../../../shared/domain/events';
import type { Session, SessionStatus } from '../../../shared/domain/session';

/** skaha's status names (SessionBuilder.withStatus). */
const SKAHA_STATUS: Record<SessionStatus, string> = {
  // skaha's word for a Kueue-suspended Job, waiting for room.
  QUEUED: 'Pending',
  PENDING: 'Pending',
  STARTING: 'Pending',
  READY: 'Running',
  STOPPING: 'Terminating',
  STOPPED: 'Completed',
  FAILED: 'Failed',
  COMPLETED: 'Completed',
};

/** A session's status in skaha's words. */
export const skahaStatus = (session: Session) => SKAHA_STATUS[session.status];

/** skaha writes times as YYYY-MM-DDThh:mm:ssZ. */
const time = (ms: number | undefined) =>
  ms === undefined ? undefined : new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
/** skaha's `requestedRAM`: decimal gigabytes with two places and no unit (`ram=1`, one GiB, is "1.07"). */
export const skahaRam = (mib: number) => ((mib * 1024 * 1024) / 1e9).toFixed(2);
/** skaha's `requestedCPUCores`: whole cores as "1", fractions with three places ("0.250"). */
const skahaCores = (cpu: number) => (Number.isInteger(cpu) ? String(cpu) : cpu.toFixed(3));

/** What everyone may see of everyone's sessions (`?view=all`, skaha's PublicSession). */
export function skahaPublicSession(session: Session, app: AppSpec | undefined) {
  return {
    userid: session.owner,
    type: app ? skahaTypeOf(app) : 'contributed',
    status: SKAHA_STATUS[session.status],
    startTime: time(session.createdAt),
  };
}

/** A session with skaha's field names (absent fields left out, as skaha's Gson does). */
export function skahaSession(session: Session, app: AppSpec | undefined, connectURL: string) {
  const view = {
    id: session.id,
    userid: session.owner,
    appid: session.app,
    image: session.image ?? (app && skahaImageOf(app)) ?? session.app,
    type: app ? skahaTypeOf(app) : 'contributed',
    status: SKAHA_STATUS[session.status],
    name: session.name,
    startTime: time(session.createdAt),
    expiryTime: time(session.expiresAt),
    connectURL,
    requestedRAM: skahaRam(session.resources.memory),
    requestedCPUCores: skahaCores(session.resources.cpu),
    requestedGPUCores: String(session.resources.gpus),
    isFixedResources: true,
    // Whom it runs as (apps with a home: the owner's uid and gid), as skaha says it; "" if not known.
    runAsUID: session.runAs ? String(session.runAs.uid) : '',
    runAsGID: session.runAs ? String(session.runAs.gid) : '',
    supplementalGroups: [],
  };
  return Object.fromEntries(Object.entries(view).filter(([, v]) => v !== undefined));
}

/** Each step's reason, in the words Kubernetes events use where there is one (skaha shows a pod's events). */
const SKAHA_REASON: Record<EventPhase, string> = {
  // Kueue's event for a workload waiting for quota.
  queued: 'Pending',
  requested: 'Requested',
  placed: 'Scheduled',
  network: 'NetworkReady',
  pulling: 'Pulling',
  pulled: 'Pulled',
  started: 'Started',
  probing: 'Probing',
  ready: 'Ready',
  claimed: 'Claimed',
  renewed: 'Renewed',
  'idle-warning': 'IdleWarning',
  'expiry-warning': 'ExpiryWarning',
  'stop-requested': 'Killing',
  reaped: 'Reaped',
  stopping: 'Stopping',
  stopped: 'Stopped',
  failed: 'Failed',
  // Kubernetes' word for a Job that ran to its end.
  completed: 'Completed',
  paused: 'Paused',
  resumed: 'Resumed',
  shared: 'Shared',
  unshared: 'Unshared',
};
const WARNINGS: readonly EventPhase[] = ['failed', 'idle-warning', 'expiry-warning', 'reaped'];

/**
 * The session's event log as skaha's `view=events` gives a pod's events: a table with the columns
 * `TYPE REASON MESSAGE FIRST-TIME LAST-TIME` (kubectl's custom columns), padded to line up.
 */
export function skahaEvents(events: readonly SessionEvent[]): string {
  const rows = [
    ['TYPE', 'REASON', 'MESSAGE', 'FIRST-TIME', 'LAST-TIME'],
    ...events.map((e) => [
      WARNINGS.includes(e.phase) ? 'Warning' : 'Normal',
      SKAHA_REASON[e.phase],
      e.message,
      time(e.at)!,
      time(e.at)!,
    ]),
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return `${rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]! + 3))).join('')).join('\n')}\n`;
}
