import * as z from 'zod';

/**
 * Every state a session can be in. STOPPED, FAILED and COMPLETED are final; only a job (`kind: 'job'`) ends
 * COMPLETED (its command exited 0), and for a job READY means its command is running.
 */
export const SESSION_STATUSES = [
  'QUEUED',
  'PENDING',
  'STARTING',
  'READY',
  'STOPPING',
  'STOPPED',
  'FAILED',
  'COMPLETED',
] as const;
const SessionStatusSchema = z.enum(SESSION_STATUSES);
export type SessionStatus = z.infer<typeof SessionStatusSchema>;

const LIVE_STATUSES: readonly SessionStatus[] = ['QUEUED', 'PENDING', 'STARTING', 'READY', 'STOPPING'];
export const FINAL_STATUSES: readonly SessionStatus[] = ['STOPPED', 'FAILED', 'COMPLETED'];

/**
 * Why a session ended or is ending: a session's `statusReason` starts with one of these codes, and
 * may go on with `: <detail>` (an exit code, the runtime's own words): clients may switch on the
 * part before the colon. Every writer uses these; a new reason is added here first.
 */
export const STATUS_REASONS = {
  /** Stopped by its owner. */
  user: 'user',
  /** Stopped by an admin. */
  admin: 'admin',
  /** No activity for the app's idleTimeout (the reaper). */
  idle: 'idle',
  /** Past expiresAt (the reaper). */
  expired: 'expired',
  /** The local server shut down. */
  shutdown: 'shutdown',
  /** Not ready within the app's launch timeout. */
  launchTimeout: 'launch-timeout',
  /** The app's process or task ended on its own after it was ready. */
  appExited: 'app-exited',
  /** It ended before it was ready. */
  exitedBeforeReady: 'exited-before-ready',
  /** The runtime's word for an instance it stopped when asked, with nothing else to say. */
  stopped: 'stopped',
  /** The runtime could not start it (a RuntimeStartError's reason may take this place). */
  startFailed: 'start-failed',
  /** The runtime no longer knows the instance. */
  lost: 'lost',
  /** Ready once, then stopped answering its liveness probes (the local runtime stopped it). */
  unresponsive: 'unresponsive',
  /** Killed for going over its memory limit (a container; the engine said so, or it was inferred). */
  oom: 'oom',
  /** An instance of ours with no live session (the reaper's or task-events' sweep stopped it). */
  orphan: 'orphan',
  /** It waited in the queue longer than the queue's bound (SESSIONPLANE_QUEUE_WAIT) and never started. */
  queueTimeout: 'queue-timeout',
  /** A job's command ran to its end and exited 0 (status COMPLETED). */
  completed: 'completed',
  /** A job's command exited with another code, or a signal (status FAILED, `exitCode` recorded). */
  jobFailed: 'job-failed',
} as const;
export type StatusReason = (typeof STATUS_REASONS)[keyof typeof STATUS_REASONS];
/** The reasons a stop request may give. */
export type StopReason =
  | typeof STATUS_REASONS.user
  | typeof STATUS_REASONS.admin
  | typeof STATUS_REASONS.idle
  | typeof STATUS_REASONS.expired
  | typeof STATUS_REASONS.shutdown;

/** A statusReason: a code, and what the runtime or the app said, if anything. */
export function statusReason(code: StatusReason | (string & {}), detail?: string): string {
  return detail ? `${code}: ${detail}` : code;
}

const ResourcesSchema = z.object({
  /** vCPUs (fractions allowed). */
  cpu: z.number().positive(),
  /** MiB. */
  memory: z.number().int().positive(),
  gpus: z.number().int().min(0),
});
export type Resources = z.infer<typeof ResourcesSchema>;

const RuntimeRefSchema = z.object({
  kind: z.string(),
  runtimeId: z.string(),
  /** host:port the router connects to, once known. */
  endpoint: z.string().optional(),
  /** The version of the last runtime event applied (ECS detail.version). */
  eventVersion: z.number().optional(),
});

/** The store's record of one session. Times are epoch milliseconds. */
/** One grant of access to a session: to a user or to a group, by its owner (or an admin). */
const ShareSchema = z.object({
  id: z.string().regex(/^[0-9a-f]{16}$/),
  user: z.string().optional(),
  group: z.string().optional(),
  /** The SHA-256 of the grantee's own router token for this session (never the owner's). */
  tokenHash: z.string(),
  by: z.string(),
  createdAt: z.number(),
  expiresAt: z.number().optional(),
});

export const SessionSchema = z.object({
  id: z.string(),
  owner: z.string(),
  app: z.string(),
  name: z.string(),
  status: SessionStatusSchema,
  statusReason: z.string().optional(),
  resources: ResourcesSchema,
  params: z.record(z.string(), z.string()),
  runtime: RuntimeRefSchema.optional(),
  /** The image the user chose, for apps that take one; else the app's own. */
  image: z.string().optional(),
  /** The owner's uid and gid it runs as (apps with a home: the ones that own the home). */
  runAs: z.object({ uid: z.number().int(), gid: z.number().int() }).optional(),
  tokenHash: z.string(),
  createdAt: z.number(),
  /** When a PENDING/STARTING session must be READY by. */
  launchDeadline: z.number(),
  readyAt: z.number().optional(),
  lastActivityAt: z.number().optional(),
  expiresAt: z.number(),
  stoppedAt: z.number().optional(),
  /** The group-held secrets it was given at launch, by name (shared/domain/group-secrets.ts); never their values. */
  groupSecrets: z.array(z.string()).optional(),
  /** The group volumes it mounts, decided at launch from its owner's groups (shared/domain/volumes.ts). */
  volumes: z.array(z.object({ name: z.string(), mode: z.enum(['ro', 'rw']) })).optional(),
  /** The app's profile the launch chose (its resources and capacity). */
  profile: z.string().optional(),
  /** A job: runs its command to the end (COMPLETED or FAILED with its exit code); never idle-stopped. */
  kind: z.literal('job').optional(),
  /** The launch's own program and arguments (skaha's cmd and args), as its app's rules allowed them. */
  command: z.object({ cmd: z.string().optional(), args: z.array(z.string()).optional() }).optional(),
  /** The replica group it was launched in (`replicas: N`): its members are listed and stopped as one. */
  group: z
    .string()
    .regex(/^[0-9a-f]{16}$/)
    .optional(),
  /** The idle timeout its owner chose (ms; 0: never), within its app's bounds; absent: its app's. */
  idleTimeoutMs: z.number().int().min(0).optional(),
  /** The lifetime its owner chose (ms), or its profile's; absent: its app's. A renewal grants this much. */
  maxLifetimeMs: z.number().int().positive().optional(),
  /** How its app's process ended by itself, when it did (a job's exit code). */
  exitCode: z.number().int().optional(),
  /**
   * It waited in the queue: since when, in which class (interactive before batch), at what priority (its app's), and
   * when it left it to start.
   */
  queue: z
    .object({
      since: z.number(),
      class: z.enum(['interactive', 'batch']),
      priority: z.number().int().optional(),
      left: z.number().optional(),
    })
    .optional(),
  /** It was a warm pool's instance, claimed at launch. */
  pooled: z.boolean().optional(),
  /** Whom the owner shares it with: a user or a group each, with its own router token (hashed) and an optional end. */
  shares: z.array(ShareSchema).optional(),
  /** Warnings given (the reaper's): for the quiet period that began at `idle`, for the expiry at `expiry`. */
  warned: z.object({ idle: z.number().optional(), expiry: z.number().optional() }).optional(),
  version: z.number().int().min(1),
  /** Epoch seconds after which DynamoDB TTL may delete the record (final records only). */
  ttl: z.number().optional(),
});
export type Session = z.infer<typeof SessionSchema>;
export type Share = z.infer<typeof ShareSchema>;

export function isLive(status: SessionStatus): boolean {
  return LIVE_STATUSES.includes(status);
}

export function isFinal(status: SessionStatus): boolean {
  return FINAL_STATUSES.includes(status);
}

/** Launched, not yet ready (waiting in the queue included): what a router request or a launcher reply waits through. */
export function isStarting(status: SessionStatus): boolean {
  return status === 'QUEUED' || status === 'PENDING' || status === 'STARTING';
}
