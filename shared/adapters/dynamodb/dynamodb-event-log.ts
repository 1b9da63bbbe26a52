import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import { SESSIONS_TABLE as T } from '../../config/table';
import { EVENT_PHASES, isEndPhase, type NewSessionEvent, type SessionEvent } from '../../domain/events';
import type { SessionEventLog } from '../../ports/session-events';

/** Events a session's log holds before it takes only the events that end the session. */
const MAX_EVENTS = 100;
/** Room kept beyond MAX_EVENTS for those. */
const END_ROOM = 10;
/** A live session's log is kept this long past its last event's time at most; an ended one's, a week. */
const LIVE_RETENTION_S = 30 * 24 * 3600;
const ENDED_RETENTION_S = 7 * 24 * 3600;

const StoredEventSchema = z.object({
  key: z.string(),
  at: z.number(),
  phase: z.enum(Object.keys(EVENT_PHASES) as [keyof typeof EVENT_PHASES, ...(keyof typeof EVENT_PHASES)[]]),
  message: z.string(),
});

/** The key of a session's log item, beside the session's own record in the sessions table. */
export function eventLogKey(sessionId: string): string {
  return `events#${sessionId}`;
}

/**
 * The event log in the sessions table: one item per session (`events#<id>`) holding its events as
 * a list, the keys it holds as a set, and their count. An append is one conditional UpdateItem
 * (list_append, ADD to the key set, on condition that none of its keys is there and there is room),
 * so a duplicate delivery writes nothing, and ids are places in the list, which only grows. The
 * item carries no index key, so no index sees it; DynamoDB TTL removes it a week after the
 * session ended.
 */
export class DynamoDbSessionEventLog implements SessionEventLog {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly pollMs = 1000,
  ) {}

  async append(sessionId: string, events: readonly NewSessionEvent[]): Promise<SessionEvent[]> {
    const fresh = events.filter((e, i) => events.findIndex((o) => o.key === e.key) === i);
    if (fresh.length === 0) return [];
    // Usually none is there yet: one write. Else each on its own, so the new ones still go in.
    const all = await this.write(sessionId, fresh);
    if (all) return all;
    if (fresh.length === 1) return [];
    const written: SessionEvent[] = [];
    for (const event of fresh) written.push(...((await this.write(sessionId, [event])) ?? []));
    return written;
  }

  /** One conditional append of `events`; undefined when a key is there already or there is no room. */
  private async write(sessionId: string, events: readonly NewSessionEvent[]): Promise<SessionEvent[] | undefined> {
    const ends = events.some((e) => isEndPhase(e.phase));
    const keyNames = Object.fromEntries(events.map((e, i) => [`:k${i}`, e.key]));
    const latest = Math.max(...events.map((e) => e.at));
    const ttl = Math.floor(latest / 1000) + (ends ? ENDED_RETENTION_S : LIVE_RETENTION_S);
    try {
      const { Attributes } = await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { [T.partitionKey]: eventLogKey(sessionId) },
          UpdateExpression: `SET #events = list_append(if_not_exists(#events, :empty), :new), #count = if_not_exists(#count, :zero) + :n, #ttl = ${ends ? ':ttl' : 'if_not_exists(#ttl, :ttl)'} ADD #keys :keys`,
          ConditionExpression: `(attribute_not_exists(#keys) OR (${Object.keys(keyNames)
            .map((k) => `NOT contains(#keys, ${k})`)
            .join(' AND ')})) AND (attribute_not_exists(#count) OR #count <= :room)`,
          ExpressionAttributeNames: {
            '#events': 'events',
            '#count': 'eventCount',
            '#keys': 'eventKeys',
            '#ttl': T.ttlAttribute,
          },
          ExpressionAttributeValues: {
            ...keyNames,
            ':empty': [],
            ':new': events.map(({ key, at, phase, message }) => ({ key, at, phase, message })),
            ':zero': 0,
            ':n': events.length,
            ':room': (ends ? MAX_EVENTS + END_ROOM : MAX_EVENTS) - events.length,
            ':ttl': ttl,
            ':keys': new Set(events.map((e) => e.key)),
          },
          ReturnValues: 'UPDATED_NEW',
        }),
      );
      const count = Number(Attributes?.eventCount ?? events.length);
      return events.map((e, i) => ({ ...e, id: count - events.length + i + 1, progress: EVENT_PHASES[e.phase] }));
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return undefined;
      throw error;
    }
  }

  async list(sessionId: string, after = 0): Promise<SessionEvent[]> {
    const { Item } = await this.client.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { [T.partitionKey]: eventLogKey(sessionId) },
        ProjectionExpression: '#events',
        ExpressionAttributeNames: { '#events': 'events' },
        ConsistentRead: true,
      }),
    );
    const stored = z.array(StoredEventSchema).parse(Item?.events ?? []);
    return stored.slice(after).map((e, i) => ({ ...e, id: after + i + 1, progress: EVENT_PHASES[e.phase] }));
  }

  changed(_sessionId: string, timeoutMs: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, Math.min(timeoutMs, this.pollMs)));
  }
}
