/* The native API, route by route: what each operation takes and answers (openapi.ts builds the document). */
import { UsageQuerySchema } from './routes/usage';
import * as z from 'zod';
import { EventsQuerySchema } from './routes/session-events';
import { AppListSchema } from './views/app-schemas';
import { SessionEventListSchema } from './views/events';
import { HomeListSchema } from './views/home';
import { PoolListSchema, PoolViewSchema } from './views/pool';
import {
  ActivityReplySchema,
  GroupStopReplySchema,
  LaunchReplySchema,
  ReplicaGroupReplySchema,
  SessionListSchema,
  SessionViewSchema,
  ShareListSchema,
  ShareViewSchema,
} from './views/session-schemas';
import { TokenListSchema, TokenMadeSchema } from './views/token';
import { FileWrittenSchema, HomeListingSchema } from './views/home-files';
import { UsageReplySchema } from './views/usage';
import { CreateTokenSchema } from '../../shared/domain/api-tokens';
import { LaunchBodySchema, ListQuerySchema, PoolPauseSchema, SessionPatchSchema, ShareBodySchema } from './schemas';

export type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';
export interface Operation {
  summary: string;
  auth?: false;
  query?: z.ZodObject;
  body?: z.ZodType;
  /** The body may be left out (a pause without a reason). */
  bodyOptional?: true;
  /** The body is bytes (a file), not JSON. */
  rawBody?: true;
  ok: { status: number; schema?: z.ZodType; text?: true; image?: true };
  errors: number[];
}

export const id = { name: 'id', in: 'path', required: true, schema: { type: 'string', pattern: '^[0-9a-f]{32}$' } };
export const appName = { name: 'name', in: 'path', required: true, schema: { type: 'string', maxLength: 64 } };
const LogsQuery = z.object({
  since: z.string().optional().describe('An ISO time or epoch milliseconds'),
  limit: z.number().int().min(1).max(1048576).optional().describe('bytes, newest kept'),
});

/** The native API, route by route; the test checks this table against the routes the app mounts. */
export const OPERATIONS: Record<string, Partial<Record<Method, Operation>>> = {
  '/sessions': {
    post: {
      summary: 'Launch a session (honours Idempotency-Key); a job with `replicas`: a group of them',
      body: LaunchBodySchema,
      ok: { status: 202, schema: z.union([LaunchReplySchema, ReplicaGroupReplySchema]) },
      errors: [400, 401, 403, 404, 409, 413, 422, 429, 431, 503],
    },
    get: {
      summary: "The caller's sessions, newest first (admins: ?all=true, every live one)",
      query: ListQuerySchema,
      ok: { status: 200, schema: SessionListSchema },
      errors: [400, 401, 403, 429],
    },
  },
  '/sessions/{id}': {
    get: {
      summary: 'One session; to its owner with its URLs, token and secret',
      ok: { status: 200, schema: SessionViewSchema },
      errors: [401, 404, 429],
    },
    patch: {
      summary: "Change a running session: its idle timeout, within its app's bounds (its owner or an admin)",
      body: SessionPatchSchema,
      ok: { status: 200, schema: SessionViewSchema },
      errors: [400, 401, 403, 404, 409, 429],
    },
    delete: {
      summary: 'Stop a session (idempotent): 200 once STOPPED, 202 while STOPPING',
      ok: { status: 200, schema: SessionViewSchema },
      errors: [401, 404, 429, 503],
    },
  },
  '/sessions/{id}/activity': {
    post: {
      summary:
        "The session's own app says it is in use (Authorization: Bearer $SESSION_SECRET, not a user's credential): its idle clock starts again",
      auth: false,
      ok: { status: 202, schema: ActivityReplySchema },
      errors: [404, 409, 429],
    },
  },
  '/sessions/groups/{group}': {
    delete: {
      summary: "Stop a replica group's live members (each as DELETE /sessions/{id})",
      ok: { status: 200, schema: GroupStopReplySchema },
      errors: [401, 404, 429, 503],
    },
  },
  '/sessions/{id}/renew': {
    post: {
      summary: 'Move the expiry to maxLifetime from now, up to the ceiling',
      ok: { status: 200, schema: SessionViewSchema },
      errors: [401, 404, 409, 429],
    },
  },
  '/sessions/{id}/shares': {
    get: {
      summary: 'Whom the session is shared with (its owner and admins)',
      ok: { status: 200, schema: ShareListSchema },
      errors: [401, 403, 404, 429],
    },
    post: {
      summary:
        'Share the session with a user or a group, optionally until a time: they reach it with their own sign-in and their own token',
      body: ShareBodySchema,
      ok: { status: 201, schema: ShareViewSchema },
      errors: [400, 401, 403, 404, 409, 413, 415, 429],
    },
  },
  '/sessions/{id}/shares/{shareId}': {
    delete: {
      summary: 'Revoke a share: its token stops working and its open sockets close within the router lookup cache',
      ok: { status: 204 },
      errors: [401, 403, 404, 429],
    },
  },
  '/usage': {
    get: {
      summary:
        "Session-seconds, vCPU-, GB- and GPU-hours and their estimated cost, by user or app, per day or month (users: their own; admins: anyone's); JSON, or CSV with ?format=csv or Accept: text/csv",
      query: UsageQuerySchema,
      ok: { status: 200, schema: UsageReplySchema },
      errors: [400, 401, 403, 429],
    },
  },
  '/sessions/{id}/events': {
    get: {
      summary:
        "The session's events in order (JSON; ?after= pages on, ?wait= long-polls up to 25 s); with Accept: text/event-stream, where the server can stream, a live stream that resumes from Last-Event-ID",
      query: EventsQuerySchema,
      ok: { status: 200, schema: SessionEventListSchema },
      errors: [400, 401, 404, 406, 429],
    },
  },
  '/sessions/{id}/logs': {
    get: {
      summary: "The tail of the session's output, each line with its time",
      query: LogsQuery,
      ok: { status: 200, text: true },
      errors: [400, 401, 404, 429],
    },
  },
  '/homes': {
    get: {
      summary:
        "Every user's home, with its owner, uid and gid (and its size on one machine, its EFS access point on AWS): admins only",
      ok: { status: 200, schema: HomeListSchema },
      errors: [401, 403, 429],
    },
  },
  '/homes/me/files': {
    get: {
      summary: "Your home's top folder: its entries, and what the home holds against its quota (made on first use)",
      ok: { status: 200, schema: HomeListingSchema },
      errors: [401, 403, 404, 429],
    },
  },
  '/homes/me/files/{path}': {
    get: {
      summary:
        "A folder of your home (JSON, as the top folder), or a file's bytes (application/octet-stream, streamed); no link is followed",
      ok: { status: 200, schema: HomeListingSchema },
      errors: [400, 401, 403, 404, 409, 429],
    },
    put: {
      summary:
        'Write a file whole from the body, streamed (201 made, 200 replaced); folders on the way are made; refused past SESSIONPLANE_MAX_UPLOAD (413) or the home quota (507), leaving nothing',
      rawBody: true,
      ok: { status: 201, schema: FileWrittenSchema },
      errors: [400, 401, 403, 404, 409, 413, 429, 507],
    },
    delete: {
      summary: 'Remove a file or an empty folder of your home',
      ok: { status: 204 },
      errors: [400, 401, 403, 404, 409, 429],
    },
  },
  '/tokens': {
    get: {
      summary: "Your personal API tokens: each one's id, name, when it was made and when it expires (never the token)",
      ok: { status: 200, schema: TokenListSchema },
      errors: [401, 403, 429],
    },
    post: {
      summary:
        'Make a personal API token (a name; it expires in 1–365 days, 30 by default): the token is in this answer only, and acts as you with the groups and role you have now',
      body: CreateTokenSchema,
      ok: { status: 201, schema: TokenMadeSchema },
      errors: [400, 401, 403, 429],
    },
  },
  '/tokens/{id}': {
    delete: {
      summary: 'Revoke one of your personal API tokens: it is refused from then on',
      ok: { status: 204 },
      errors: [401, 403, 404, 429],
    },
  },
  '/pools': {
    get: {
      summary:
        "Every app's warm pool: its sizes and schedule, instances ready, starting and claimed, hits, misses, pause, backoff and its events: admins only",
      ok: { status: 200, schema: PoolListSchema },
      errors: [401, 403, 429],
    },
  },
  '/pools/{app}/pause': {
    post: {
      summary: 'Pause a pool: no starts until resumed (admins); an optional reason is kept with the pause',
      body: PoolPauseSchema,
      bodyOptional: true,
      ok: { status: 200, schema: PoolViewSchema },
      errors: [400, 401, 403, 404, 429],
    },
  },
  '/pools/{app}/resume': {
    post: {
      summary: 'Resume a pool paused by an admin or by failed starts; its backoff starts over (admins)',
      ok: { status: 200, schema: PoolViewSchema },
      errors: [401, 403, 404, 429],
    },
  },
  '/pools/{app}/recycle': {
    post: {
      summary:
        "Replace every unclaimed instance of a pool with a fresh one, as a change of the app's spec does (admins)",
      ok: { status: 200, schema: PoolViewSchema },
      errors: [401, 403, 404, 429],
    },
  },
  '/apps': {
    get: { summary: 'The apps a user may launch', ok: { status: 200, schema: AppListSchema }, errors: [401, 429] },
  },
  '/apps/{name}/icon': {
    get: { summary: "The app's icon (PNG or SVG)", ok: { status: 200, image: true }, errors: [401, 404, 429] },
  },
  '/healthz': {
    get: {
      summary: 'Liveness',
      auth: false,
      ok: { status: 200, schema: z.object({ status: z.literal('ok') }) },
      errors: [],
    },
  },
  '/openapi.json': { get: { summary: 'This document', auth: false, ok: { status: 200 }, errors: [] } },
};
