import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { SESSIONS_TABLE as T } from '../../shared/config/table';
import { DYNAMODB_PARTITION } from './aws-limits';
import type { Simulation } from './simulation';

const WRITES = new Set(['PutCommand', 'UpdateCommand', 'DeleteCommand', 'BatchWriteCommand', 'TransactWriteCommand']);

interface Answer {
  Items?: unknown[];
  Responses?: Record<string, unknown[]>;
}

interface Counted {
  input?: {
    Key?: Record<string, unknown>;
    Item?: Record<string, unknown>;
    IndexName?: string;
    ExpressionAttributeValues?: Record<string, unknown>;
    RequestItems?: Record<string, { Keys?: Record<string, unknown>[] }>;
  };
}

/** Every function's store calls by simulated second and partition: DynamoDB's limits are per partition, not per caller. */
export class DynamoLedger {
  readonly perSecond = new Map<number, { calls: number; partitions: Map<string, { w: number; r: number }> }>();

  note(second: number, partition: string, write: boolean, units: number): void {
    const s = this.perSecond.get(second) ?? { calls: 0, partitions: new Map<string, { w: number; r: number }>() };
    this.perSecond.set(second, s);
    s.calls++;
    const p = s.partitions.get(partition) ?? { w: 0, r: 0 };
    if (write) p.w += units;
    else p.r += units;
    s.partitions.set(partition, p);
  }

  /** The busiest second's calls, and the hottest partition's writes and reads in any one second. */
  peaks(): { callsPerSecond: number; hottestWrites: [string, number]; hottestReads: [string, number] } {
    let callsPerSecond = 0;
    let hottestWrites: [string, number] = ['', 0];
    let hottestReads: [string, number] = ['', 0];
    for (const s of this.perSecond.values()) {
      callsPerSecond = Math.max(callsPerSecond, s.calls);
      for (const [key, p] of s.partitions) {
        if (p.w > hottestWrites[1]) hottestWrites = [key, p.w];
        if (p.r > hottestReads[1]) hottestReads = [key, p.r];
      }
    }
    return { callsPerSecond, hottestWrites, hottestReads };
  }
}

/**
 * One function's store: the embedded store (dynalite) as DynamoDB would answer at scale. Each call waits DynamoDB's
 * latency in simulated time, then runs for real; each is counted here (by operation, in read and write units) and in
 * the ledger (by second and partition: a table key, or an index's partition key), so a hot partition shows against
 * DynamoDB's 1,000 writes and 3,000 reads a second.
 */
export class SimDynamoDb {
  readonly calls = new Map<string, number>();
  readUnits = 0;
  writeUnits = 0;
  readonly client: DynamoDBDocumentClient;

  constructor(
    inner: DynamoDBDocumentClient,
    private readonly sim: Simulation,
    private readonly ledger: DynamoLedger,
  ) {
    const send = async (command: Counted) => {
      await sim.sleep(sim.triangle(DYNAMODB_PARTITION.value.latencyMs));
      const output = (await sim.real(() => inner.send(command as never))) as Answer;
      this.count(command, output);
      return output;
    };
    this.client = new Proxy(inner, {
      get: (target, prop, receiver) => (prop === 'send' ? send : Reflect.get(target, prop, receiver)),
    });
  }

  private count(command: Counted, output: Answer): void {
    const name = command.constructor.name;
    this.calls.set(name, (this.calls.get(name) ?? 0) + 1);
    const write = WRITES.has(name);
    // A query reads its items (each under 4 KB: half a unit, eventually consistent), a batch get each of its items, a
    // get or a write one unit.
    const items = output.Items ?? (output.Responses ? Object.values(output.Responses).flat() : undefined);
    const units = items ? Math.max(1, Math.ceil(items.length / (output.Items ? 2 : 1))) : 1;
    if (write) this.writeUnits += units;
    else this.readUnits += units;
    const second = Math.floor(this.sim.elapsed());
    // A batch's items are on their own partitions, a unit each.
    const batch = command.input?.RequestItems;
    if (batch) {
      for (const { Keys = [] } of Object.values(batch))
        for (const key of Keys) this.ledger.note(second, keyName(key), write, 1);
    } else this.ledger.note(second, partitionOf(command), write, units);
  }

  get total(): number {
    let n = 0;
    for (const c of this.calls.values()) n += c;
    return n;
  }
}

/** The partition a call lands on: an index's partition key value, else the item's key. */
function partitionOf(command: Counted): string {
  const input = command.input ?? {};
  if (input.IndexName) {
    const value = Object.values(input.ExpressionAttributeValues ?? {})[0];
    return `${input.IndexName}:${String(value)}`;
  }
  return keyName(input.Key ?? input.Item ?? {});
}

function keyName(key: Record<string, unknown>): string {
  const id = String(key[T.partitionKey] ?? '?');
  return /^[0-9a-f]{32}$/.test(id) ? `session ${id.slice(0, 8)}…` : id;
}
