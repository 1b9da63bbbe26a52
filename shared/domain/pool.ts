import { createHash } from 'node:crypto';
import * as z from 'zod';
import type { AppSpec, PoolSpec } from './app';
import { checkParams } from './launch-request';

export type { PoolSpec } from './app';
import type { Resources } from './session';

/** A pool instance's life: started, ready to be claimed, claimed by a launch (its session now owns it). */
const POOL_STATES = ['STARTING', 'READY', 'CLAIMED'] as const;

/**
 * One instance of a pool, a record of its own beside the sessions. Its id is the id of the
 * session it becomes when claimed, so the runtime knows it by one id from start to stop, and the
 * app's secret (derived from the id) is the one the instance was started with.
 */
export const PoolInstanceSchema = z.object({
  id: z.string(),
  app: z.string(),
  /** The hash of the app spec it was started from: an instance of an older spec is replaced. */
  specHash: z.string(),
  state: z.enum(POOL_STATES),
  resources: z.object({ cpu: z.number(), memory: z.number(), gpus: z.number() }),
  runtime: z.object({ kind: z.string(), runtimeId: z.string(), endpoint: z.string().optional() }).optional(),
  createdAt: z.number(),
  /** STARTING must be READY by then, or it counts as a failed start. */
  launchDeadline: z.number(),
  readyAt: z.number().optional(),
  /** createdAt + the pool's ttl: replaced then if nobody claimed it. */
  expiresAt: z.number(),
  claimedAt: z.number().optional(),
  version: z.number().int().min(1),
});
export type PoolInstance = z.infer<typeof PoolInstanceSchema>;

/** What the control plane keeps about one app's pool besides its instances. */
export interface PoolStatus {
  app: string;
  hits: number;
  misses: number;
  /** Set by an admin, or by the keeper after repeated failed starts. */
  paused?: { by: 'admin' | 'failures'; at: number; reason: string } | undefined;
  /** Failed starts in a row (reset by a start that becomes ready). */
  failures: number;
  /** No start before this (the backoff after a failure). */
  nextStartAt?: number | undefined;
  lastError?: string | undefined;
  /** Instances created before this are replaced (an admin's recycle). */
  recycledAt?: number | undefined;
}

export function emptyPoolStatus(app: string): PoolStatus {
  return { app, hits: 0, misses: 0, failures: 0 };
}

/** Keys in sorted order at every depth, so equal specs hash equal whatever order they were written in. */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === 'object')
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>)
        .filter(([, v]) => v !== undefined)
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([k, v]) => [k, canonical(v)]),
    );
  return value;
}

/**
 * The hash of what makes an app's instance what it is: its command, image, environment, param
 * defaults, resources, port, readiness, filesystem and capacity, and `revision` (on ECS, the app's
 * deployed task definition). Its title, description, timeouts and the pool's own sizes are not in
 * it: changing those replaces nothing.
 */
export function specHash(app: AppSpec, revision = ''): string {
  const { command, image, build, env, params, resources, port, ready, readOnlyRootFilesystem, capacity, cwd, home } =
    app;
  // A process runs in its folder; an image (named or built) in its own: the apps file's folder is not the container's,
  // and differs between the functions that compare this hash (each Lambda's own copy of the apps file).
  const spec = {
    command,
    image,
    build,
    env,
    params,
    resources,
    port,
    ready,
    readOnlyRootFilesystem,
    capacity,
    cwd: image || build ? undefined : cwd,
    home,
    revision,
  };
  return createHash('sha256')
    .update(JSON.stringify(canonical(spec)))
    .digest('hex')
    .slice(0, 16);
}

/** How many instances the pool keeps ready at `now`: the first window that holds, else `min`; never above `max`. */
export function poolTarget(pool: PoolSpec, now: number): number {
  const minute = Math.floor((now % 86_400_000) / 60_000);
  const window = pool.schedule.find((w) =>
    w.from <= w.to ? minute >= w.from && minute < w.to : minute >= w.from || minute < w.to,
  );
  return Math.min(window ? window.min : pool.min, pool.max);
}

/** What a launch asks for, as far as the pool is concerned. */
export interface PoolRequest {
  params?: Record<string, unknown> | undefined;
  resources?: Partial<Resources> | undefined;
  image?: string | undefined;
  profile?: string | undefined;
}

/**
 * Whether a pooled instance can serve a launch: only one that asks for exactly what the instance
 * was started with. Its params and resources must come to the app's defaults (an instance started
 * before its user was known cannot take others: they are its environment and its size), with no
 * image of the user's choice, and the app mounts no home (a home is the user's, mounted at start,
 * and the instance runs as the user's uid).
 */
export function poolServes(app: AppSpec & { pool?: PoolSpec }, request: PoolRequest): boolean {
  if (!app.pool || app.pool.max === 0 || app.home || request.image !== undefined || request.profile !== undefined)
    return false;
  const resources = { ...app.resources, ...request.resources };
  if (
    resources.cpu !== app.resources.cpu ||
    resources.memory !== app.resources.memory ||
    resources.gpus !== app.resources.gpus
  )
    return false;
  const asked = checkParams(app, request.params ?? {});
  const defaults = checkParams(app, {});
  if (asked.problems.length || defaults.problems.length) return false;
  return JSON.stringify(canonical(asked.values)) === JSON.stringify(canonical(defaults.values));
}

/** The owner a pooled instance runs under until it is claimed (its identity env says so). */
export const POOL_OWNER = 'sessionplane-pool';

/** Backoff after `failures` failed starts in a row: 5 s doubling, at most 10 min. */
export function poolBackoffMs(failures: number, baseMs = 5000, maxMs = 600_000): number {
  return Math.min(maxMs, baseMs * 2 ** Math.max(0, failures - 1));
}

/** The key under which a pool's own events are logged (paused, resumed). */
export function poolLogKey(app: string): string {
  return `pool#${app}`;
}
