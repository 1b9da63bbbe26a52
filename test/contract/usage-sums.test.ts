import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDocumentClient } from '../../shared/adapters/dynamodb/dynamodb-client';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { ensureSessionsTable } from '../../shared/adapters/dynamodb/dynamodb-table';
import { DynamoDbUsageStore } from '../../shared/adapters/dynamodb/dynamodb-usage-store';
import { startEmbeddedDynamoDb } from '../../shared/adapters/dynamodb/embedded-dynamodb';
import { inProcessDocumentClient } from '../../shared/adapters/dynamodb/in-process-document-client';
import { newSessionId } from '../../shared/domain/ids';
import { AWS_PRICES, sumOf, totalsOf, type UsageRecord } from '../../shared/domain/usage';
import { usageSums } from '../../shared/services/usage-read';
import { javaAvailable, startDynamoDbLocal } from '../support/dynamodb-local';

/*
 * The usage store's day sums (#39): a record is added to its day once however often it is written, and a range's
 * usage read through the sums (whole days) and the records (its ragged ends) is what its records alone say.
 */

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 10, 1); // 1 November 2026, 00:00 UTC: the sums are kept from the 2nd

type Db = { client: ReturnType<typeof createDocumentClient>; close(): Promise<void> };
const engines: [string, () => Promise<Db>][] = [
  [
    'dynalite (in process)',
    async () => {
      const db = await startEmbeddedDynamoDb();
      return { client: inProcessDocumentClient(db.handler), close: () => db.close() };
    },
  ],
];
if (javaAvailable())
  engines.push([
    'DynamoDB Local',
    async () => {
      const db = await startDynamoDbLocal();
      return { client: createDocumentClient({ endpoint: db.endpoint, region: 'local' }), close: () => db.close() };
    },
  ]);
else if (process.env.CI)
  throw new Error('CI must run the usage sums on DynamoDB Local, but no Java runtime was found.');

const record = (over: Partial<UsageRecord> & { endedAt: number }): UsageRecord => ({
  sessionId: newSessionId(),
  owner: 'alice',
  app: 'echo',
  capacity: 'FARGATE',
  startedAt: over.endedAt - 600_000,
  reason: 'user',
  cpu: 0.25,
  memory: 512,
  gpus: 0,
  seconds: 600,
  pooled: false,
  ...over,
});

describe.each(engines)('usage day sums on %s', (_name, start) => {
  let db: Db;
  let table = 0;
  const fresh = async (now = T0) => {
    const name = `usage${table++}`;
    await ensureSessionsTable(db.client, name);
    return Object.assign(new DynamoDbUsageStore(db.client, name, 400 * DAY, () => now), { table: name });
  };
  const deps = (usage: DynamoDbUsageStore) => ({
    usage,
    store: { listLive: async function* () {}, listByOwner: async () => ({ items: [] }) } as never,
    quotas: { get: async () => ({ sessions: 0 }) } as never,
  });
  beforeAll(async () => {
    db = await start();
  }, 90_000);
  afterAll(async () => db?.close());

  it('adds a record to its day once, however often it is written (a crash between the record and its sum, mended)', async () => {
    const usage = await fresh();
    expect(await usage.sumsFrom()).toBeUndefined();
    const r = record({ endedAt: T0 + 3 * DAY + 5000 });
    expect(await usage.record(r)).toBe(true);
    expect(await usage.sumsFrom()).toBe(T0 + DAY);
    expect(await usage.record(r)).toBe(false);
    await Promise.all([usage.record(r), usage.record(r)]);
    // In the same part of the day's sum as the first (parts go by the id's first digit).
    const other = record({
      endedAt: T0 + 3 * DAY + 9000,
      seconds: 60,
      cpu: 2,
      sessionId: `${r.sessionId[0]}${newSessionId().slice(1)}`,
    });
    await usage.record(other);
    const sums = [];
    for await (const s of usage.sums({ from: T0, to: T0 + 10 * DAY, owner: 'alice' })) sums.push(s);
    expect(sums).toEqual([
      {
        owner: 'alice',
        app: 'echo',
        capacity: 'FARGATE',
        day: '2026-11-04',
        sessions: 2,
        seconds: 660,
        mcpuSeconds: 250 * 600 + 2000 * 60,
        mibSeconds: 512 * 660,
        gpuSeconds: 0,
      },
    ]);
  });

  it('reads any range through the sums and the ragged ends exactly as the records alone say', async () => {
    const usage = await fresh();
    // Records over ten days by two owners, two apps and two capacities; one before the sums began (the 1st).
    const records = fc
      .sample(
        fc.record({
          endedAt: fc.integer({ min: T0, max: T0 + 10 * DAY - 1 }),
          owner: fc.constantFrom('alice', 'bob'),
          app: fc.constantFrom('echo', 'viz'),
          capacity: fc.constantFrom('FARGATE', 'FARGATE_SPOT'),
          seconds: fc.integer({ min: 0, max: 86_400 }),
          cpu: fc.constantFrom(0.25, 1, 4),
          memory: fc.constantFrom(256, 2048),
        }),
        { numRuns: 60, seed: 39 },
      )
      .map((r) => record(r));
    for (const r of records) await usage.record(r);
    const now = T0 + 12 * DAY;
    const ranges = fc.sample(
      fc.record({
        from: fc.integer({ min: T0 - DAY, max: T0 + 11 * DAY }),
        span: fc.integer({ min: 1, max: 12 * DAY }),
        owner: fc.constantFrom(undefined, 'alice', 'bob'),
        app: fc.constantFrom(undefined, 'echo'),
      }),
      { numRuns: 40, seed: 7 },
    );
    for (const { from, span, owner, app } of [
      ...ranges,
      { from: T0, span: 12 * DAY, owner: undefined, app: undefined },
    ]) {
      const to = from + span;
      const expected = records.filter(
        (r) =>
          r.endedAt >= from &&
          r.endedAt < to &&
          (owner === undefined || r.owner === owner) &&
          (app === undefined || r.app === app),
      );
      const got = await usageSums(deps(usage), { from, to, owner, app }, now);
      expect(totalsOf(got, AWS_PRICES), JSON.stringify({ from, to, owner, app })).toEqual(
        totalsOf(expected.map(sumOf), AWS_PRICES),
      );
    }
  }, 120_000);

  it('adds the records of the days before the sums began, a few a call, resuming where it stopped; then every day is whole', async () => {
    const usage = await fresh(T0 + 40 * DAY);
    // Records as a version without sums wrote them, over two months (nothing adds them to any day).
    const old = Array.from({ length: 9 }, (_, i) =>
      record({ endedAt: T0 - 20 * DAY + i * 5 * DAY, owner: i % 2 ? 'bob' : 'alice' }),
    );
    for (const r of old)
      await db.client.send(
        new PutCommand({
          TableName: usage.table,
          Item: {
            id: `usage#${r.sessionId}`,
            liveShard: `usage#${new Date(r.endedAt).toISOString().slice(0, 7)}`,
            createdAt: r.endedAt,
            owner: `usage#${r.owner}`,
            usage: r,
          },
        }),
      );
    expect(await usage.backfillSums(3)).toEqual({ added: 0, done: false }); // no sums kept yet
    const today = record({ endedAt: T0 + 40 * DAY + 1000 });
    await usage.record(today);
    expect(await usage.sumsFrom()).toBe(T0 + 41 * DAY);
    const before = await usageSums(
      deps(usage),
      { from: T0 - 30 * DAY, to: T0 + 42 * DAY, owner: undefined },
      T0 + 41 * DAY,
    );
    const calls = [];
    for (let done = false; !done; ) {
      const r = await usage.backfillSums(3);
      calls.push(r.added);
      done = r.done;
      // A pass run twice at once now and then: nothing is added twice.
      if (calls.length === 2) calls.push((await usage.backfillSums(3)).added);
    }
    // Each call but the last took its three (the nine old records and today's, which is before the sums' first day).
    expect(calls.reduce((a, b) => a + b, 0)).toBe(10);
    expect(calls.slice(0, -1).every((n) => n === 3)).toBe(true);
    expect(await usage.sumsFrom()).toBe(0);
    const sums = [];
    for await (const s of usage.sums({ from: T0 - 30 * DAY, to: T0 + 42 * DAY })) sums.push(s);
    expect(totalsOf(sums, AWS_PRICES)).toEqual(totalsOf([...old, today].map(sumOf), AWS_PRICES));
    // Read either way, the same usage.
    const after = await usageSums(
      deps(usage),
      { from: T0 - 30 * DAY, to: T0 + 42 * DAY, owner: undefined },
      T0 + 41 * DAY,
    );
    expect(totalsOf(after, AWS_PRICES)).toEqual(totalsOf(before, AWS_PRICES));
    expect(await usage.backfillSums(3)).toEqual({ added: 0, done: true });
  });
});
