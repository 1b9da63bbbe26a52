import * as z from 'zod';
import { SESSIONS_TABLE as T } from '../../config/table';
import { ValidationError } from '../../domain/errors';
import { isSessionId } from '../../domain/ids';
import { isLive, SessionSchema, type Session } from '../../domain/session';

/* A session's record in the sessions table: its item, how listings tell sessions from other records, its cursors. */

export type Item = Record<string, unknown>;

/**
 * Where an ended session waits until its usage record is written (an outbox in the live index):
 * the reaper writes what a crash between the end and the record left.
 */
export const UNRECORDED = 'unrecorded';

/**
 * The live-index shard of the sessions waiting in the launch queue (QUEUED, or taken from it by a dispatcher and not
 * yet started): one partition, so the dispatcher reads the queue, not every live session. Its write rate is the
 * queue's (a few per launch that waits), far under a partition's 1,000 writes a second.
 */
export const QUEUED_SHARD = 'live#queued';

/** Whether a session waits in the launch queue (or a dispatcher has just taken it from there to start it). */
export const waitsInQueue = (s: Pick<Session, 'status' | 'queue' | 'runtime'>): boolean =>
  s.status === 'QUEUED' || (s.status === 'PENDING' && s.queue !== undefined && s.runtime === undefined);

/** The live-index shard of a live session: the queue's while it waits there, else spread by the id's first byte. */
export function liveShardOf(session: Pick<Session, 'id' | 'status' | 'queue' | 'runtime'>): string {
  if (waitsInQueue(session)) return QUEUED_SHARD;
  return `live#${parseInt(session.id.slice(0, 2), 16) % T.liveShards || 0}`;
}

export function toItem(session: Session): Item {
  return isLive(session.status) ? { ...session, liveShard: liveShardOf(session) } : { ...session };
}

export function fromItem(item: Item): Session {
  const { liveShard: _shard, ...rest } = item;
  return SessionSchema.parse(rest);
}

/** What a listing does with an item that is no session, or a session record it cannot read. */
export type SkippedRecord = (why: string, key: string) => void;

/**
 * The sessions among items an index gave: a session is told by its key (a session id), never by
 * the attributes it carries; other kinds of record that share the table and happen to land in an
 * index (a user's uid record has an owner, pool instances and usage have theirs) are passed over.
 * A session record that does not parse is skipped and told, never a failure of the whole listing.
 */
export function sessionsOf(items: readonly Item[], skipped: SkippedRecord): Session[] {
  const sessions: Session[] = [];
  for (const item of items) {
    const key = String(item[T.partitionKey]);
    if (!isSessionId(key)) continue;
    const parsed = SessionSchema.safeParse((({ liveShard: _shard, ...rest }) => rest)(item));
    if (parsed.success) sessions.push(parsed.data);
    else skipped(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '), key);
  }
  return sessions;
}

export function encodeCursor(key: Record<string, unknown> | undefined): string | undefined {
  return key ? Buffer.from(JSON.stringify(key)).toString('base64url') : undefined;
}

/**
 * A cursor of an owner's listing: exactly the index's keys and the table's, for that owner. Anything
 * else is refused here, never passed to DynamoDB as a start key.
 */
export function decodeOwnerCursor(cursor: string | undefined, owner: string): Record<string, unknown> | undefined {
  if (cursor === undefined) return undefined;
  let key: unknown;
  try {
    key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    key = undefined;
  }
  // Field by field: a well-formed cursor with an empty id or a createdAt DynamoDB cannot hold
  // (1e308, 1e-200, beyond 2^53) is as foreign as garbage (#11 M3).
  const parsed = OwnerCursorSchema.safeParse(key);
  if (!parsed.success || parsed.data.owner !== owner)
    throw new ValidationError('Not a cursor of this listing.', { problems: ['cursor: not a cursor of this listing'] });
  return parsed.data;
}

const OwnerCursorSchema = z.strictObject({
  id: z.string().regex(/^[0-9a-f]{32}$/),
  owner: z.string().min(1).max(256),
  createdAt: z.number().int().min(0).max(8.64e15),
});

/** Fields a transition may write; `id` is the key, `lastActivityAt` belongs to recordActivity. */
export const TRANSITION_FIELDS = [
  'owner',
  'app',
  'name',
  'status',
  'statusReason',
  'resources',
  'params',
  'runtime',
  'image',
  'tokenHash',
  'createdAt',
  'launchDeadline',
  'readyAt',
  'expiresAt',
  'stoppedAt',
  'exitCode',
  'queue',
  'idleTimeoutMs',
  'maxLifetimeMs',
  'warned',
  'shares',
  'version',
  'ttl',
] as const;
