import type { QueuePolicy } from './queue';
import type { Resources } from './session';

/** Per-owner caps over all of an owner's live sessions and jobs: their number each, and their resources together. */
export interface UserLimits {
  sessions: number;
  /** Live jobs (`kind: 'job'`): a cap of their own, as skaha's headless sessions are outside its interactive cap. */
  jobs: number;
  cpu: number;
  /** MiB */
  memory: number;
  gpus: number;
}

/** What an owner's live sessions use. */
export interface Usage extends Resources {
  sessions: number;
  jobs: number;
}

export const NO_USAGE: Usage = { sessions: 0, jobs: 0, cpu: 0, memory: 0, gpus: 0 };

/** Which counter a session of this kind counts in: jobs have their own. */
export type WorkKind = 'sessions' | 'jobs';
export const workKindOf = (session: { kind?: 'job' | undefined }): WorkKind =>
  session.kind === 'job' ? 'jobs' : 'sessions';

/** Which cap adding one `kind` of `resources` to `usage` would pass, if any. */
export function exceededLimit(
  usage: Usage,
  resources: Resources,
  limits: UserLimits,
  kind: WorkKind = 'sessions',
): keyof UserLimits | undefined {
  if (usage[kind] + 1 > limits[kind]) return kind;
  for (const key of ['cpu', 'memory', 'gpus'] as const) {
    if (round(usage[key] + resources[key]) > limits[key]) return key;
  }
  return undefined;
}

/** Sums decimals such as 0.25 vCPU without binary drift. */
export function round(n: number): number {
  return Math.round(n * 1e6) / 1e6;
}

export interface Policy {
  /** The launch queue's bounds; absent: no queue (a launch with no room is refused with 503). */
  queue?: QueuePolicy;
  /** Per-owner caps over live sessions. */
  limits: UserLimits;
  /** Registries or repository prefixes a launch may name its own image from. */
  imagePrefixes: readonly string[];
  /** How long an Idempotency-Key is remembered. */
  idempotencySeconds: number;
  /** Renewing never takes a session past this long after it began. */
  renewCeilingMs: number;
}
