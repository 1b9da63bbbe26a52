import type { AppSpec } from '../../../shared/domain/app';
import type { Session, SessionStatus } from '../../../shared/domain/session';

/** skaha's status names (SessionBuilder.withStatus). */
const SKAHA_STATUS: Record<SessionStatus, string> = {
  PENDING: 'Pending',
  STARTING: 'Pending',
  READY: 'Running',
  STOPPING: 'Terminating',
  STOPPED: 'Completed',
  FAILED: 'Failed',
};

/** skaha writes times as YYYY-MM-DDThh:mm:ssZ. */
const time = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z'));
const decimal = (n: number) => String(Math.round(n * 1000) / 1000);

/** A session with skaha's field names (absent fields left out, as skaha's Gson does). */
export function skahaSession(session: Session, app: AppSpec | undefined, connectURL: string) {
  const view = {
    id: session.id,
    userid: session.owner,
    appid: session.app,
    image: session.image ?? app?.image ?? session.app,
    type: 'contributed',
    status: SKAHA_STATUS[session.status],
    name: session.name,
    startTime: time(session.createdAt),
    expiryTime: time(session.expiresAt),
    connectURL,
    requestedRAM: `${decimal(session.resources.memory / 1024)}G`,
    requestedCPUCores: decimal(session.resources.cpu),
    requestedGPUCores: String(session.resources.gpus),
    isFixedResources: true,
  };
  return Object.fromEntries(Object.entries(view).filter(([, v]) => v !== undefined));
}

/** The session's history as skaha's `view=events` gives it: one line per change. */
export function skahaEvents(session: Session): string {
  const lines = [`${time(session.createdAt)} Scheduled ${session.app} for ${session.owner}`];
  if (session.readyAt !== undefined) lines.push(`${time(session.readyAt)} Started: the app accepts connections`);
  if (session.stoppedAt !== undefined) lines.push(`${time(session.stoppedAt)} ${SKAHA_STATUS[session.status]}: ${session.statusReason ?? ''}`.trimEnd());
  else if (session.status === 'STOPPING') lines.push(`Terminating: ${session.statusReason ?? ''}`.trimEnd());
  return `${lines.join('\n')}\n`;
}
