import { performance } from 'node:perf_hooks';
import { DynamoDbSessionStore, liveShardOf } from '../../shared/adapters/dynamodb/dynamodb-session-store';
import { ensureSessionsTable } from '../../shared/adapters/dynamodb/dynamodb-table';
import { hashToken } from '../../shared/domain/ids';
import type { Principal } from '../../shared/domain/principal';
import { granteeKeysOf, shareFor } from '../../shared/domain/shares';
import { makeSession } from '../support/sessions';
import { onDynamoDbLocal } from './dynamodb-counter';
import { batchWrite } from './reaper';
import { table } from './stats';

const SHARED = 3;
const bob: Principal = { user: 'bob', admin: false, groups: ['viz', 'optics'] };

/**
 * What finding "shared with me" costs on GET /sessions (the portal asks every 15 s): the grantee
 * index (pointers per grantee) against reading every live session, as #21 first did.
 */
export async function benchShares(): Promise<string> {
  return onDynamoDbLocal('Shared-with-me lookup', async (client, counter) => {
    const rows: (string | number)[][] = [];
    for (const live of [1_000, 10_000]) {
      const name = `shares-${live}`;
      await ensureSessionsTable(client, name);
      const store = new DynamoDbSessionStore(client, name);
      const now = Date.now();
      const sessions = Array.from({ length: live }, (_, i) =>
        makeSession({ owner: `owner${i % 1000}`, status: 'READY', createdAt: now - i }),
      );
      await batchWrite(
        client,
        name,
        sessions.map((s) => ({ ...s, liveShard: liveShardOf(s) })),
      );
      // A few are shared with bob (by name, or with his group): through the store, as the API does.
      for (const [i, s] of sessions.slice(0, SHARED).entries()) {
        const share = {
          id: `${i}`.padStart(16, '0'),
          tokenHash: hashToken(`t${i}`),
          by: s.owner,
          createdAt: now,
          ...(i % 2 ? { group: 'viz' } : { user: 'bob' }),
        };
        await store.transition(s, { ...s, shares: [share], version: s.version + 1 });
      }
      const measure = async (how: string, find: () => Promise<number>) => {
        counter.start();
        const started = performance.now();
        const found = await find();
        const ms = performance.now() - started;
        const counted = counter.stop();
        if (found !== SHARED) throw new Error(`${how}: found ${found}, expected ${SHARED}`);
        rows.push([
          live.toLocaleString('en'),
          how,
          `${ms.toFixed(1)} ms`,
          counted.total,
          counted.byCommand,
          counted.capacity.toFixed(1),
        ]);
      };
      await measure('every live session (before)', async () => {
        let found = 0;
        for await (const s of store.listLive()) if (shareFor(s, bob, now)) found++;
        return found;
      });
      await measure(
        'grantee index (now)',
        async () => (await store.listSharedWith(granteeKeysOf(bob))).filter((s) => shareFor(s, bob, now)).length,
      );
    }
    return [
      `### Shared with me: what GET /sessions reads to find the ${SHARED} sessions shared with one user (DynamoDB Local)`,
      '',
      table(['live sessions', 'lookup', 'time', 'DynamoDB calls', 'by command', 'consumed capacity (RCU)'], rows),
    ].join('\n');
  });
}
