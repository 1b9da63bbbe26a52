import type { UsageRecord, UsageSum } from '../domain/usage';

/** Where usage records live: one per session, written once; and, where the store keeps them, each day's sums. */
export interface UsageStore {
  /**
   * Writes the record unless one for its session exists, and adds it to its day's sums unless it is there (a call
   * again after a crash between the two finishes the second); true if this call wrote the record.
   */
  record(usage: UsageRecord): Promise<boolean>;
  /** The records of sessions that ended in [from, to): everyone's, or one `owner`'s (read apart from the rest). */
  list(range: { from: number; to: number; owner?: string | undefined }): AsyncIterable<UsageRecord>;
  /**
   * The day sums (per owner, app and capacity) of the UTC days that start in [from, to): everyone's or one owner's.
   * Whole only for days that start at or after `sumsFrom()`.
   */
  sums?(range: { from: number; to: number; owner?: string | undefined }): AsyncIterable<UsageSum>;
  /** From when the day sums are whole (a UTC day's start; 0: every day); undefined while they are not kept. */
  sumsFrom?(): Promise<number | undefined>;
  /**
   * Adds up to `max` records of the days before the sums began to their days (each at most once, so a pass cut
   * short or run twice is harmless), carrying on where the last call stopped; when none is left, the sums are whole
   * for every day. Done: nothing left to add.
   */
  backfillSums?(max: number): Promise<{ added: number; done: boolean }>;
}
