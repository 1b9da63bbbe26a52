import { startBenchPlane } from './bench-plane';
import { setTimeout as sleep } from 'node:timers/promises';
import { table } from './stats';

const MiB = 1024 * 1024;

/** Heap in use after a full collection (needs --expose-gc; the bench script passes it). */
async function heapAfterGc(): Promise<number> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with node --expose-gc');
  for (let i = 0; i < 3; i++) {
    gc();
    await sleep(50);
  }
  return process.memoryUsage().heapUsed;
}

/**
 * Soak: the local server as `npm start` runs it (store on disk), list traffic and launch/stop
 * cycles, and the heap after GC between rounds. A server whose memory grows with traffic shows it
 * here; a flat one stays within a few per cent of its first figure.
 */
export async function benchSoak(options: { lists?: number; cycles?: number; sessions?: number } = {}): Promise<string> {
  const lists = options.lists ?? 10_000;
  const cycles = options.cycles ?? 1_000;
  const standing = options.sessions ?? 200;
  const { plane, base, auth, close } = await startBenchPlane({ portRange: '42000-42999' });
  const call = async (method: string, path: string, body?: string) => {
    const res = await fetch(`${base}${path}`, { method, headers: auth, ...(body ? { body } : {}) });
    const text = await res.text();
    if (res.status >= 400) throw new Error(`${method} ${path}: ${res.status} ${text}`);
    return text ? (JSON.parse(text) as Record<string, unknown>) : {};
  };
  const launchAndStop = async () => {
    const { id } = (await call('POST', '/sessions', '{"app":"echo"}')) as { id: string };
    await call('DELETE', `/sessions/${id}`);
  };
  const listRound = async (n: number) => {
    for (let i = 0; i < n; i += 10)
      await Promise.all(Array.from({ length: Math.min(10, n - i) }, () => call('GET', '/sessions?all=true')));
  };
  const cycleRound = async (n: number) => {
    for (let i = 0; i < n; i += 5) await Promise.all(Array.from({ length: Math.min(5, n - i) }, launchAndStop));
    await plane.settled();
  };

  // 200 sessions on record (stopped ones: a list shows every session of the last days), then warm up.
  await cycleRound(standing);
  await listRound(200);
  const rows: (string | number)[][] = [];
  const start = await heapAfterGc();
  rows.push(['start (after warm-up)', '', (start / MiB).toFixed(1), '']);
  for (let round = 1; round <= 2; round++) {
    const t0 = performance.now();
    await listRound(lists / 2);
    const afterLists = await heapAfterGc();
    rows.push([
      `round ${round}: ${lists / 2} × GET /sessions?all=true`,
      `${((performance.now() - t0) / 1000).toFixed(1)} s`,
      (afterLists / MiB).toFixed(1),
      `${(((afterLists - start) / start) * 100).toFixed(1)} %`,
    ]);
    const t1 = performance.now();
    await cycleRound(cycles / 2);
    const afterCycles = await heapAfterGc();
    rows.push([
      `round ${round}: ${cycles / 2} launch/stop cycles`,
      `${((performance.now() - t1) / 1000).toFixed(1)} s`,
      (afterCycles / MiB).toFixed(1),
      `${(((afterCycles - start) / start) * 100).toFixed(1)} %`,
    ]);
  }
  await close();
  return [
    `### Soak: heap after GC under list traffic and launch/stop cycles (local server, store on disk, ${standing}+ sessions on record)`,
    '',
    table(['after', 'took', 'heap MiB', 'vs start'], rows),
  ].join('\n');
}
