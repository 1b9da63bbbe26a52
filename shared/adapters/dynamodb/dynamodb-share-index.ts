import { DeleteCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { SESSIONS_TABLE as T } from '../../config/table';
import { isFinal, type Session } from '../../domain/session';
import { granteeKey } from '../../domain/shares';
import { batchGetItems } from './batch-get';
import { liveIndexPages } from './live-index';

type Item = Record<string, unknown>;

/**
 * A pointer outlives its share's expiry (or, without one, its session's start) by this much at most, if nothing removes
 * it before (the table's TTL sweeps it).
 */
const POINTER_TTL_MS = 400 * 86_400_000;

const partitionOf = (key: string) => `grantee#${key}`;
const pointerId = (sessionId: string, key: string) => `share#${sessionId}#${key}`;

/**
 * The grantee index: one small pointer item per (session, grantee), in the live index's partition
 * `grantee#user:<name>` or `grantee#group:<name>`, so a grantee's list reads their pointers and
 * those sessions — never every live session. The session record stays the truth (a pointer is a
 * hint; readers check the share still holds). Written by the store's transition around its
 * conditional write: a new grantee's pointer before it (a lost race leaves a harmless extra
 * pointer), a gone grantee's, and every pointer of a session that ends, after it.
 */
export class ShareIndex {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /** What a transition from `current` to `next` adds to and removes from the index. */
  static diff(current: Session, next: Session): { added: Map<string, number | undefined>; removed: string[] } {
    const before = new Set((current.shares ?? []).map(granteeKey));
    const after = new Map(
      isFinal(next.status) ? [] : (next.shares ?? []).map((s) => [granteeKey(s), s.expiresAt] as const),
    );
    return {
      added: new Map([...after].filter(([key]) => !before.has(key))),
      removed: [...before].filter((key) => !after.has(key)),
    };
  }

  async add(session: Session, added: Map<string, number | undefined>): Promise<void> {
    await Promise.all(
      [...added].map(([key, expiresAt]) =>
        this.client.send(
          new PutCommand({
            TableName: this.tableName,
            Item: {
              [T.partitionKey]: pointerId(session.id, key),
              [T.liveIndex.partitionKey]: partitionOf(key),
              [T.liveIndex.sortKey]: session.createdAt,
              sessionId: session.id,
              [T.ttlAttribute]: Math.ceil(((expiresAt ?? session.createdAt) + POINTER_TTL_MS) / 1000),
            },
          }),
        ),
      ),
    );
  }

  /** Best effort: the transition has happened, and a pointer left behind only costs its grantee one read. */
  async remove(sessionId: string, removed: string[]): Promise<void> {
    await Promise.allSettled(
      removed.map((key) =>
        this.client.send(
          new DeleteCommand({ TableName: this.tableName, Key: { [T.partitionKey]: pointerId(sessionId, key) } }),
        ),
      ),
    );
  }

  /** The records of the sessions pointed to for any of `keys`. */
  async sessionsFor(keys: readonly string[]): Promise<Item[]> {
    const ids = new Set<string>();
    await Promise.all(
      keys.map(async (key) => {
        for await (const page of liveIndexPages(this.client, this.tableName, partitionOf(key)))
          for (const item of page) ids.add(String(item.sessionId));
      }),
    );
    return batchGetItems(this.client, this.tableName, [...ids]);
  }
}
