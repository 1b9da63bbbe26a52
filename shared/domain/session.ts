import { z } from 'zod';

/** Every state a session can be in. STOPPED and FAILED are final. */
export const SESSION_STATUSES = ['PENDING', 'STARTING', 'READY', 'STOPPING', 'STOPPED', 'FAILED'] as const;
const SessionStatusSchema = z.enum(SESSION_STATUSES);
export type SessionStatus = z.infer<typeof SessionStatusSchema>;

const LIVE_STATUSES: readonly SessionStatus[] = ['PENDING', 'STARTING', 'READY', 'STOPPING'];
const FINAL_STATUSES: readonly SessionStatus[] = ['STOPPED', 'FAILED'];

/** Why a session was stopped. `lost`: the runtime no longer knows the instance. */
const STOP_REASONS = ['user', 'idle', 'expired', 'admin', 'app-exited', 'lost', 'shutdown'] as const;
export type StopReason = (typeof STOP_REASONS)[number];

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
  tokenHash: z.string(),
  createdAt: z.number(),
  /** When a PENDING/STARTING session must be READY by. */
  launchDeadline: z.number(),
  readyAt: z.number().optional(),
  lastActivityAt: z.number().optional(),
  expiresAt: z.number(),
  stoppedAt: z.number().optional(),
  version: z.number().int().min(1),
  /** Epoch seconds after which DynamoDB TTL may delete the record (final records only). */
  ttl: z.number().optional(),
});
export type Session = z.infer<typeof SessionSchema>;

export function isLive(status: SessionStatus): boolean {
  return LIVE_STATUSES.includes(status);
}

export function isFinal(status: SessionStatus): boolean {
  return FINAL_STATUSES.includes(status);
}
