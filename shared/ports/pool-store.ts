import type { PoolInstance, PoolStatus } from '../domain/pool';

/** Counters and flags of one app's pool that writers change one field at a time. */
export type PoolStatusChange =
  | { kind: 'hit' }
  | { kind: 'miss' }
  | { kind: 'pause'; by: 'admin' | 'failures'; at: number; reason: string }
  | { kind: 'resume' }
  | { kind: 'recycle'; at: number }
  | { kind: 'start-failed'; error: string; nextStartAt: number }
  | { kind: 'start-succeeded' };

/**
 * Where pool instances and each pool's status live. Every change of an instance is one
 * conditional write on its state and version; a lost race throws ConflictError with the current
 * record (undefined when it is gone).
 */
export interface PoolStore {
  /** Records a new instance (STARTING); ConflictError if the id exists. */
  add(instance: PoolInstance): Promise<void>;
  get(id: string): Promise<PoolInstance | undefined>;
  /** Every instance of every pool (a bounded set: the pools' `max`). */
  list(): Promise<PoolInstance[]>;
  /** Replaces `current` by `next` if the stored record still has `current`'s state and version. */
  update(current: PoolInstance, next: PoolInstance): Promise<PoolInstance>;
  /** Deletes the record if it is still at `current`'s version; false if it moved on or is gone. */
  remove(current: PoolInstance): Promise<boolean>;
  /**
   * Claims a READY instance for a launch: one conditional write (READY at this version →
   * CLAIMED). Undefined when another launch got there first or it is no longer READY.
   */
  claim(instance: PoolInstance, at: number): Promise<PoolInstance | undefined>;
  status(app: string): Promise<PoolStatus>;
  statuses(): Promise<PoolStatus[]>;
  changeStatus(app: string, change: PoolStatusChange): Promise<PoolStatus>;
  /**
   * Takes the right to start instances of `app` until `until` (so two keepers, or two passes of
   * one, never start the same replacements); false while another holds it.
   */
  lease(app: string, holder: string, now: number, until: number): Promise<boolean>;
  release(app: string, holder: string): Promise<void>;
}
