import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDocumentClient } from '../../shared/adapters/dynamodb/dynamodb-client';
import { DynamoDbSessionEventLog, eventLogKey } from '../../shared/adapters/dynamodb/dynamodb-event-log';
import { ensureSessionsTable } from '../../shared/adapters/dynamodb/dynamodb-table';
import { startEmbeddedDynamoDb } from '../../shared/adapters/dynamodb/embedded-dynamodb';
import { newSessionId } from '../../shared/domain/ids';
import { once } from '../../shared/domain/events';
import { javaAvailable, startDynamoDbLocal } from '../support/dynamodb-local';
import { scanTable } from '../support/table';

type Engine = { endpoint: string; close(): Promise<void> };
const engines: [string, () => Promise<Engine>][] = [['dynalite', () => startEmbeddedDynamoDb()]];
// CI installs Java (.ci/run): there the log runs on Amazon's own engine too.
if (javaAvailable()) engines.push(['DynamoDB Local', () => startDynamoDbLocal()]);
else if (process.env.CI) throw new Error('CI must run the event log on DynamoDB Local, but no Java runtime was found.');

describe.each(engines)('DynamoDbSessionEventLog on %s', (_name, start) => {
  let db: Engine;
  let log: DynamoDbSessionEventLog;
  beforeAll(async () => {
    db = await start();
    const client = createDocumentClient({ endpoint: db.endpoint, region: 'local' });
    await ensureSessionsTable(client, 'sessions');
    log = new DynamoDbSessionEventLog(client, 'sessions');
  }, 60_000);
  afterAll(async () => db?.close());

  it('keeps events in the order written, numbered from 1, and lists after a cursor', async () => {
    const id = newSessionId();
    expect(await log.list(id)).toEqual([]);
    const first = await log.append(id, [once('requested', 1000, 'asked'), once('started', 1100, 'up')]);
    expect(first.map((e) => [e.id, e.phase, e.progress])).toEqual([
      [1, 'requested', 5],
      [2, 'started', 85],
    ]);
    await log.append(id, [once('ready', 1500, 'ready')]);
    expect((await log.list(id)).map((e) => e.id)).toEqual([1, 2, 3]);
    expect((await log.list(id, 2)).map((e) => e.phase)).toEqual(['ready']);
    expect(await log.list(id, 3)).toEqual([]);
  });

  it('writes each key once: repeats, a batch with one known key, and racing appends', async () => {
    const id = newSessionId();
    await log.append(id, [once('placed', 1, 'p')]);
    expect(await log.append(id, [once('placed', 1, 'p')])).toEqual([]);
    // A batch holding a key already written: the new ones still go in, the old one does not.
    const mixed = await log.append(id, [
      once('placed', 1, 'p'),
      once('network', 2, 'n'),
      once('network', 2, 'n'),
      once('pulling', 3, 'u'),
    ]);
    expect(mixed.map((e) => [e.id, e.phase])).toEqual([
      [2, 'network'],
      [3, 'pulling'],
    ]);
    // Ten deliveries of the same event at once (ECS at-least-once): one is written.
    const raced = await Promise.all(Array.from({ length: 10 }, () => log.append(id, [once('pulled', 4, 'd')])));
    expect(raced.flat()).toHaveLength(1);
    expect((await log.list(id)).map((e) => e.phase)).toEqual(['placed', 'network', 'pulling', 'pulled']);
  });

  it('is bounded: past 100 events only the ones that end the session go in', async () => {
    const id = newSessionId();
    for (let i = 0; i < 100; i += 20)
      await log.append(
        id,
        Array.from({ length: 20 }, (_, j) => ({
          key: `renewed:${i + j}`,
          at: i + j,
          phase: 'renewed' as const,
          message: 'renewed',
        })),
      );
    expect(await log.append(id, [{ key: 'renewed:x', at: 200, phase: 'renewed', message: 'one too many' }])).toEqual(
      [],
    );
    expect((await log.append(id, [once('stopped', 300, 'stopped')])).map((e) => e.id)).toEqual([101]);
  });

  it('sits beside the session record under its own key, no index key, and expires a week after the end', async () => {
    const id = newSessionId();
    await log.append(id, [once('requested', 1_000_000, 'asked')]);
    const live = (await scanTable(db.endpoint, 'sessions')).find((item) => item.id === eventLogKey(id))!;
    expect(live).not.toHaveProperty('owner');
    expect(live).not.toHaveProperty('liveShard');
    expect(live.ttl).toBe(1000 + 30 * 86_400);
    await log.append(id, [once('stopped', 2_000_000, 'stopped')]);
    const ended = (await scanTable(db.endpoint, 'sessions')).find((item) => item.id === eventLogKey(id))!;
    expect(ended.ttl).toBe(2000 + 7 * 86_400);
  });
});
