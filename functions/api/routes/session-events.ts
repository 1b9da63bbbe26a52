import type { Context } from 'hono';
import { streamSSE } from 'hono/streaming';
import * as z from 'zod';
import { DomainError } from '../../../shared/domain/errors';
import { isStreamEnd, type SessionEvent } from '../../../shared/domain/events';
import { isFinal, isStarting, type Session } from '../../../shared/domain/session';
import { connectUrl } from '../../../shared/domain/urls';
import type { ApiDeps, ApiEnv } from '../context';
import { check } from '../validate';
import { visibleSession } from './session-access';

/** The longest a long-poll waits: under API Gateway's 30 s cut. */
const MAX_WAIT_S = 25;

export const EventsQuerySchema = z.strictObject({
  /** Only events after this id (the `next` of an earlier answer). */
  after: z.coerce.number().int().min(0).max(1_000_000).default(0),
  /** With nothing new yet, wait up to this many seconds for something (a long-poll). */
  wait: z.coerce.number().min(0).max(MAX_WAIT_S).default(0),
});

/**
 * An event as clients see it: a superset of JupyterHub's spawn-progress events (`progress`,
 * `message`, and on the last `ready` and `url`), so its progress bar works unchanged.
 */
function eventView(event: SessionEvent, session: Session, deps: Pick<ApiDeps, 'urls'>) {
  return {
    id: event.id,
    at: new Date(event.at).toISOString(),
    phase: event.phase,
    message: event.message,
    progress: event.progress,
    ...(event.phase === 'ready' ? { ready: true, url: connectUrl(deps.urls, session.id, undefined, session.app) } : {}),
    ...(event.phase === 'failed' || event.phase === 'stopped' ? { ready: false, failed: event.phase === 'failed' } : {}),
  };
}

/** Events after `after`; waits up to `waitMs` for the first if there is none yet. */
async function eventsAfter(deps: ApiDeps, sessionId: string, after: number, waitMs: number): Promise<SessionEvent[]> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const events = await deps.events.list(sessionId, after);
    const left = deadline - Date.now();
    if (events.length || left <= 0) return events;
    await deps.events.changed(sessionId, left);
  }
}

/**
 * GET /sessions/{id}/events: the session's event log for its owner (and admins). JSON, in order,
 * `?after=` to page on and `?wait=` to long-poll; with `Accept: text/event-stream`, where this
 * process can stream (the local server, the router service), server-sent events: each event as it
 * happens (its id as the SSE id, so `Last-Event-ID` resumes), a keepalive comment every
 * `keepaliveMs`, and an end with the final event: FAILED, STOPPED, or READY for a stream that
 * began before READY (a launch being watched).
 */
export async function serveSessionEvents(deps: ApiDeps, c: Context<ApiEnv>) {
  const query = check(EventsQuerySchema, c.req.query(), 'query');
  const session = await visibleSession(deps, c.var.principal, c.req.param('id')!);
  if (!(c.req.header('accept') ?? '').includes('text/event-stream')) {
    const events = await eventsAfter(deps, session.id, query.after, query.wait * 1000);
    return c.json({ events: events.map((e) => eventView(e, session, deps)), next: events.at(-1)?.id ?? query.after });
  }
  const stream = deps.eventStream;
  if (!stream)
    throw new DomainError(
      'request.not_acceptable',
      'This endpoint cannot stream (API Gateway buffers responses): use ?wait= to long-poll, or the router service for text/event-stream.',
    );
  const resumeFrom = Number(c.req.header('last-event-id'));
  let after = Number.isInteger(resumeFrom) && resumeFrom >= 0 ? resumeFrom : query.after;
  const endsAtReady = isStarting(session.status);
  const finished = isFinal(session.status);
  return streamSSE(c, async (sse) => {
    let open = true;
    sse.onAbort(() => {
      open = false;
    });
    let lastWrite = Date.now();
    while (open) {
      const events = await eventsAfter(deps, session.id, after, Math.max(0, stream.keepaliveMs - (Date.now() - lastWrite)));
      for (const event of events) {
        await sse.writeSSE({ id: String(event.id), data: JSON.stringify(eventView(event, session, deps)) });
        after = event.id;
        if (isStreamEnd(event.phase) && (event.phase !== 'ready' || endsAtReady)) return;
      }
      // A session that had ended before the stream began has said all it will.
      if (finished) return;
      if (!events.length) await sse.write(': keepalive\n\n');
      lastWrite = Date.now();
    }
  });
}
