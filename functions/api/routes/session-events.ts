import type { Context } from 'hono';
import { streamSSE } from 'hono/streaming';
import * as z from 'zod';
import { DomainError } from '../../../shared/domain/errors';
import { eventView } from '../../../shared/domain/event-view';
import { eventsAfter, streamEvents } from '../../../shared/services/event-stream';
import type { ApiDeps, ApiEnv } from '../context';
import { check } from '../validate';
import { authorizedSession } from '../../../shared/services/access';

/** What serving a session's events needs: the API has it all; the router service builds just this. */
export type EventsDeps = Pick<ApiDeps, 'store' | 'events' | 'urls' | 'eventStream' | 'clock'>;

/** The longest a long-poll waits: under API Gateway's 30 s cut. */
const MAX_WAIT_S = 25;

export const EventsQuerySchema = z.strictObject({
  /** Only events after this id (the `next` of an earlier answer). */
  after: z.coerce.number().int().min(0).max(1_000_000).default(0),
  /** With nothing new yet, wait up to this many seconds for something (a long-poll). */
  wait: z.coerce.number().min(0).max(MAX_WAIT_S).default(0),
});

/**
 * GET /sessions/{id}/events: the session's event log for its owner (and admins). JSON, in order,
 * `?after=` to page on and `?wait=` to long-poll; with `Accept: text/event-stream`, where this
 * process can stream (the local server, the router service), server-sent events: each event as it
 * happens (its id as the SSE id, so `Last-Event-ID` resumes), a keepalive comment every
 * `keepaliveMs`, and an end with the final event: FAILED, STOPPED, or READY for a stream that
 * began before READY (a launch being watched).
 */
export async function serveSessionEvents(deps: EventsDeps, c: Context<ApiEnv>) {
  const query = check(EventsQuerySchema, c.req.query(), 'query');
  const { session } = await authorizedSession(deps, c.var.principal, 'events', c.req.param('id')!);
  if (!(c.req.header('accept') ?? '').includes('text/event-stream')) {
    const events = await eventsAfter(deps.events, session.id, query.after, query.wait * 1000);
    return c.json({
      events: events.map((e) => eventView(e, session, deps.urls)),
      next: events.at(-1)?.id ?? query.after,
    });
  }
  const stream = deps.eventStream;
  if (!stream)
    throw new DomainError(
      'request.not_acceptable',
      'This endpoint cannot stream (API Gateway buffers responses): use ?wait= to long-poll, or the router service for text/event-stream.',
    );
  const resumeFrom = Number(c.req.header('last-event-id'));
  const after = Number.isInteger(resumeFrom) && resumeFrom >= 0 ? resumeFrom : query.after;
  return streamSSE(c, async (sse) => {
    let open = true;
    sse.onAbort(() => {
      open = false;
    });
    await streamEvents(deps.events, session, after, stream.keepaliveMs, {
      send: (event) =>
        sse.writeSSE({ id: String(event.id), data: JSON.stringify(eventView(event, session, deps.urls)) }),
      keepalive: () => sse.write(': keepalive\n\n').then(() => undefined),
      open: () => open,
    });
  });
}
