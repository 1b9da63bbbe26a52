import type { UsageRecord } from '../domain/usage';

/** Where usage records live: one per session, written once. */
export interface UsageStore {
  /** Writes the record unless one for its session exists; true if this call wrote it. */
  record(usage: UsageRecord): Promise<boolean>;
  /** The records of sessions that ended in [from, to): everyone's, or one `owner`'s (read apart from the rest). */
  list(range: { from: number; to: number; owner?: string | undefined }): AsyncIterable<UsageRecord>;
}
