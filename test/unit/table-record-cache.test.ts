import { describe, expect, it } from 'vitest';
import { dynaliteDb, InProcessDynamoDb } from '../../shared/adapters/dynamodb/in-process-dynamodb';
import { cacheTableRecords } from '../../shared/adapters/dynamodb/table-record-cache';

describe("dynalite's table records kept decoded", () => {
  it('reads a table record from LevelDB once, and again after each change to the table (an update, a delete)', async () => {
    const store = dynaliteDb.create({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
    let reads = 0;
    const get = store.tableDb.get;
    store.tableDb.get = (...args: [string, ...unknown[]]) => {
      reads++;
      return get.apply(store.tableDb, args);
    };
    cacheTableRecords(store.tableDb);
    const db = new InProcessDynamoDb(store);
    await db.call('CreateTable', {
      TableName: 'things',
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      ProvisionedThroughput: { ReadCapacityUnits: 1, WriteCapacityUnits: 1 },
    });
    // dynalite makes a table ACTIVE on a timer after it answers: wait as a client does.
    const active = async () => {
      for (;;) {
        const { Table } = (await db.call('DescribeTable', { TableName: 'things' })) as {
          Table: { TableStatus: string };
        };
        if (Table.TableStatus === 'ACTIVE') return;
        await new Promise((r) => setTimeout(r, 5));
      }
    };
    await active();
    const put = (pk: string) => db.call('PutItem', { TableName: 'things', Item: { pk: { S: pk }, g: { S: 'x' } } });
    await put('a');
    const before = reads;
    for (let i = 0; i < 5; i++) await put(`b${i}`);
    expect(reads - before).toBeLessThanOrEqual(1);

    // A change by UpdateTable is seen by the very next call.
    await db.call('UpdateTable', {
      TableName: 'things',
      ProvisionedThroughput: { ReadCapacityUnits: 7, WriteCapacityUnits: 7 },
    });
    await active();
    const { Table } = (await db.call('DescribeTable', { TableName: 'things' })) as {
      Table: { ProvisionedThroughput: { ReadCapacityUnits: number } };
    };
    expect(Table.ProvisionedThroughput.ReadCapacityUnits).toBe(7);
    await put('c');

    // A deleted table is gone for the next call.
    await db.call('DeleteTable', { TableName: 'things' });
    await expect(put('d')).rejects.toMatchObject({ statusCode: 400 });
    await db.close();
  });
});
