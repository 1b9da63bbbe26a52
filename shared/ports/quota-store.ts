import type { UserLimits, Usage } from '../domain/limits';
import type { Resources } from '../domain/session';

/** Per-owner usage counters, changed only by conditional writes (no transactions). */
export interface QuotaStore {
  /** Adds one session of `resources` to the owner's usage if every cap still holds; else QuotaExceededError. */
  reserve(owner: string, resources: Resources, limits: UserLimits): Promise<void>;
  /** Takes one session of `resources` off the owner's usage (never below zero). */
  release(owner: string, resources: Resources): Promise<void>;
  get(owner: string): Promise<Usage>;
  /** Replaces the owner's usage (the reaper re-derives it from the owner index). */
  set(owner: string, usage: Usage): Promise<void>;
}
