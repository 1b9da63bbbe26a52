import * as z from 'zod';
import { SESSION_STATUSES } from '../../../shared/domain/session';
import { Iso, ResourcesView } from './common';

/*
 * The session replies' schemas: the OpenAPI document and the tests read them; the functions that answer import only
 * their types, so no function builds them at its cold start (#39).
 */

/**
 * A session as the API shows it (sessionView builds it; test/api/reply-schemas.test.ts checks every reply against its
 * schema).
 */
export const SessionViewSchema = z.object({
  id: z.string().regex(/^[0-9a-f]{32}$/),
  name: z.string(),
  app: z.string(),
  owner: z.string(),
  status: z.enum(SESSION_STATUSES),
  statusReason: z.string().optional(),
  /** `job`: runs its command to the end (COMPLETED, or FAILED with `exitCode`); absent for an interactive session. */
  kind: z.literal('job').optional(),
  /** The launch's own program and arguments, when it gave them. */
  cmd: z.string().optional(),
  args: z.array(z.string()).optional(),
  /** The named size it was launched with (`profile`), if one. */
  profile: z.string().optional(),
  /** The group volumes it mounts (its owner's groups at launch), each read-only or read-write. */
  volumes: z.array(z.object({ name: z.string(), mode: z.enum(['ro', 'rw']) })).optional(),
  /** The replica group it was launched in (`replicas`): GET /sessions?group=, DELETE /sessions/groups/{group}. */
  group: z.string().optional(),
  /** How a job's command exited, once it has. */
  exitCode: z.number().int().optional(),
  /** The idle timeout that holds for it, in seconds (null: never), its owner's choice or its app's. */
  idleTimeoutSeconds: z.number().nullable().optional(),
  /** The lifetime its owner chose (or its profile's), counted from its launch; absent: its app's. */
  maxLifetimeSeconds: z.number().optional(),
  /**
   * GET /sessions/{id} of a QUEUED session: its place in the queue (1: next) of how many wait, and about how long it
   * will wait at the pace its class left the queue this last hour (absent: none left it lately).
   */
  queue: z
    .object({ place: z.number().int(), of: z.number().int(), estimatedWaitSeconds: z.number().int().optional() })
    .optional(),
  /** GET /sessions/{id} of an ended job: the last lines of its output (all of it: GET /sessions/{id}/logs). */
  output: z.array(z.string()).optional(),
  /** The user's own image, when the launch named one (an app with customImage). */
  image: z.string().optional(),
  resources: ResourcesView,
  params: z.record(z.string(), z.string()),
  createdAt: Iso,
  readyAt: Iso.optional(),
  lastActivityAt: Iso.optional(),
  expiresAt: Iso,
  stoppedAt: Iso.optional(),
  /**
   * The warnings that still hold (the portal's banner): `idle`, the start of the quiet period it will
   * be stopped for unless used; `expiry`, the end it nears unless renewed. Absent once used or renewed.
   */
  warned: z.object({ idle: Iso.optional(), expiry: Iso.optional() }).optional(),
  /** Where it is opened; empty for a job, which has no web address (as skaha's headless sessions). */
  sessionURL: z.string(),
  connectURL: z.string(),
  /** Where a person opens it, for an app with a web client (`client: www`): its page, naming the session. */
  clientURL: z.string().optional(),
  /** Where a person opens it with the thin bar on top (an app with `bar: true`). */
  barURL: z.string().optional(),
  /** The owner's only: the session's access token and the app's secret. */
  token: z.string().optional(),
  secret: z.string().optional(),
  /** The owner's only: whom the session is shared with (see /sessions/{id}/shares). */
  shares: z.array(z.lazy(() => ShareViewSchema)).optional(),
  /** A grantee's view: the session is another's, shared with the caller (its URLs carry the caller's own token). */
  sharedWithYou: z.boolean().optional(),
  /**
   * GET /sessions/{id} only: milliseconds each step of the launch took (network, pulled, started, ready, …) and the
   * total.
   */
  timings: z.record(z.string(), z.number()).optional(),
});

/** One grant of access to a session (never its token). */
export const ShareViewSchema = z.object({
  id: z.string().regex(/^[0-9a-f]{16}$/),
  user: z.string().optional(),
  group: z.string().optional(),
  by: z.string(),
  createdAt: Iso,
  expiresAt: Iso.optional(),
});
export const ShareListSchema = z.object({ shares: z.array(ShareViewSchema) });
export const SessionListSchema = z.object({ sessions: z.array(SessionViewSchema), cursor: z.string().optional() });

export const LaunchReplySchema = SessionViewSchema.extend({
  /** Served by the app's warm pool: READY in this reply. */
  pooled: z.boolean(),
});

/** POST /sessions with `replicas`: the group's id and each member as its launch answered. */
export const ReplicaGroupReplySchema = z.object({ group: z.string(), sessions: z.array(LaunchReplySchema) });
/** POST /sessions/{id}/activity: taken (the session's id and status; nothing of its owner's). */
export const ActivityReplySchema = z.object({ id: z.string(), status: z.enum(SESSION_STATUSES) });
/** DELETE /sessions/groups/{group}: each member after the stop. */
export const GroupStopReplySchema = z.object({ group: z.string(), sessions: z.array(SessionViewSchema) });

export type SessionView = z.infer<typeof SessionViewSchema>;
export type ShareView = z.infer<typeof ShareViewSchema>;
