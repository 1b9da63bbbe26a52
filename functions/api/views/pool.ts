import * as z from 'zod';
import type { PoolView as PoolState } from '../../../shared/services/pools/pool-admin';
import { iso } from './common';

const clock = (minutes: number) =>
  `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;

export const PoolViewSchema = z.object({
  app: z.string(),
  min: z.number().int(),
  max: z.number().int(),
  ttlSeconds: z.number(),
  schedule: z.array(z.object({ from: z.string(), to: z.string(), min: z.number().int() })),
  target: z.number().int(),
  ready: z.number().int(),
  starting: z.number().int(),
  claimed: z.number().int(),
  hits: z.number().int(),
  misses: z.number().int(),
  paused: z.boolean(),
  pausedBy: z.enum(['admin', 'failures']).optional(),
  pausedAt: z.string().optional(),
  pausedReason: z.string().optional(),
  failures: z.number().int(),
  nextStartAt: z.string().optional(),
  lastError: z.string().optional(),
  events: z.array(z.object({ at: z.string(), phase: z.string(), message: z.string() })),
});
export const PoolListSchema = z.object({ pools: z.array(PoolViewSchema) });

/** A pool as GET /pools shows it (the portal's admin page renders it). */
export type PoolView = z.infer<typeof PoolViewSchema>;

export function poolView(view: PoolState): PoolView {
  const { status, spec } = view;
  return {
    app: view.app,
    min: spec.min,
    max: spec.max,
    ttlSeconds: spec.ttlMs / 1000,
    schedule: spec.schedule.map((w) => ({ from: clock(w.from), to: clock(w.to), min: w.min })),
    target: view.target,
    ready: view.ready,
    starting: view.starting,
    claimed: view.claimed,
    hits: status.hits,
    misses: status.misses,
    paused: status.paused !== undefined,
    ...(status.paused
      ? { pausedBy: status.paused.by, pausedAt: iso(status.paused.at), pausedReason: status.paused.reason }
      : {}),
    failures: status.failures,
    ...(status.nextStartAt !== undefined ? { nextStartAt: iso(status.nextStartAt) } : {}),
    ...(status.lastError ? { lastError: status.lastError } : {}),
    events: view.events.map((e) => ({ at: iso(e.at)!, phase: e.phase, message: e.message })),
  };
}
