import type { UserLimits, Usage, WorkKind } from '../domain/limits';
import type { Resources } from '../domain/session';

export interface UsageRecord {
  owner: string;
  usage: Usage;
  /** When a reservation or release last changed it (epoch ms). */
  updatedAt: number;
}

/** Per-owner usage counters, changed only by conditional writes (no transactions). */
export interface QuotaStore {
  /** Adds one session (or job) of `resources` to the owner's usage if every cap still holds; else QuotaExceededError. */
  reserve(owner: string, resources: Resources, limits: UserLimits, kind?: WorkKind): Promise<void>;
  /** Takes one session (or job) of `resources` off the owner's usage (never below zero). */
  release(owner: string, resources: Resources, kind?: WorkKind): Promise<void>;
  get(owner: string): Promise<Usage>;
  /** Several owners' usage at once (the queue's fairness reads every waiting owner's): by owner, none left out. */
  getMany(owners: readonly string[]): Promise<Map<string, Usage>>;
  /** Every owner with a usage record (a sparse index, never a scan). */
  listUsage(): AsyncIterable<UsageRecord>;
  /** Sets the owner's usage to `derived` if it is still `expected`; false when it changed meanwhile. */
  repair(owner: string, expected: Usage, derived: Usage): Promise<boolean>;
}
