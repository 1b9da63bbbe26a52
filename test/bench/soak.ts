import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { startBenchPlane } from './bench-plane';
import { loadFromOwnProcess } from './load-client';
import { table } from './stats';

const MiB = 1024 * 1024;

/**
 * The part of the RSS that is the process's own memory (Linux's RssAnon), not pages of files it maps (RssFile: the
 * embedded store's LevelDB tables are read through mmap, and the kernel takes those pages back when it needs them).
 */
function anonymousRss(): number | undefined {
  try {
    const kb = /^RssAnon:\s+(\d+) kB/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
    return kb === undefined ? undefined : Number(kb) * 1024;
  } catch {
    return undefined;
  }
}

/** Heap in use and the process's RSS after a full collection (needs --expose-gc; the bench script passes it). */
async function memoryAfterGc(): Promise<{ heap: number; rss: number; anon: number | undefined }> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with node --expose-gc');
  for (let i = 0; i < 3; i++) {
    gc();
    await sleep(50);
  }
  const { heapUsed, rss } = process.memoryUsage();
  return { heap: heapUsed, rss, anon: anonymousRss() };
}

/**
 * Soak: the local server as `npm start` runs it (store on disk), a mixed read load from a client in its own process
 * (lists, one session, the month's usage, the catalog), launch/stop cycles, and many sessions live at once then ended;
 * the heap and the RSS after GC between rounds. This process holds the server and the benchmark's own driver only, so
 * its RSS is the server's. A server whose memory grows with traffic shows it here; a flat one stays within a few per
 * cent of its first figure.
 */
export async function benchSoak(
  options: { requests?: number; cycles?: number; sessions?: number; live?: number; inMemory?: boolean } = {},
): Promise<string> {
  const requests = options.requests ?? 30_000;
  const cycles = options.cycles ?? 1_000;
  const standing = options.sessions ?? 200;
  const live = options.live ?? 100;
  // inMemory: the store in the JS heap instead of LevelDB on disk, to tell the store's native memory from the rest.
  const { plane, base, auth, close } = await startBenchPlane({ portRange: '25000-25999', inMemory: options.inMemory });
  const call = async (method: string, path: string, body?: string) => {
    const res = await fetch(`${base}${path}`, { method, headers: auth, ...(body ? { body } : {}) });
    const text = await res.text();
    if (res.status >= 400) throw new Error(`${method} ${path}: ${res.status} ${text}`);
    return text ? (JSON.parse(text) as Record<string, unknown>) : {};
  };
  const launch = async () => ((await call('POST', '/sessions', '{"app":"echo"}')) as { id: string }).id;
  const stop = (id: string) => call('DELETE', `/sessions/${id}`);
  const cycleRound = async (n: number) => {
    for (let i = 0; i < n; i += 5)
      await Promise.all(Array.from({ length: Math.min(5, n - i) }, async () => stop(await launch())));
    await plane.settled();
  };
  const kept = await launch(); // one session read throughout
  const mixed = ['/sessions?all=true', '/sessions', `/sessions/${kept}`, '/usage', '/apps'].map((p) => `${base}${p}`);
  const readRound = (n: number) => loadFromOwnProcess(mixed.join(' '), auth.authorization, n, 10);

  // 200 sessions on record (stopped ones: a list shows every session of the last days), then warm up: the native
  // caches (the store's LevelDB blocks and tables, the allocator's arenas) fill over the first thousands of requests.
  await cycleRound(standing);
  await readRound(Math.round(requests / 6));
  await cycleRound(Math.round(cycles / 5));
  const rows: (string | number)[][] = [];
  const start = await memoryAfterGc();
  const vs = (now: number | undefined, then: number | undefined) =>
    now === undefined || then === undefined ? '' : `${(((now - then) / then) * 100).toFixed(1)} %`;
  const row = (what: string, took: string, at: { heap: number; rss: number; anon: number | undefined }) =>
    rows.push([
      what,
      took,
      (at.heap / MiB).toFixed(1),
      `${(((at.heap - start.heap) / start.heap) * 100).toFixed(1)} %`,
      (at.rss / MiB).toFixed(1),
      vs(at.rss, start.rss),
      at.anon === undefined ? 'n/a' : (at.anon / MiB).toFixed(1),
      vs(at.anon, start.anon),
    ]);
  row('start (after warm-up)', '', start);
  const timed = async (what: string, work: () => Promise<unknown>) => {
    const t0 = performance.now();
    await work();
    row(what, `${((performance.now() - t0) / 1000).toFixed(1)} s`, await memoryAfterGc());
  };
  for (let round = 1; round <= 2; round++) {
    await timed(`round ${round}: ${requests / 2} mixed GETs, 10 in flight`, () => readRound(requests / 2));
    await timed(`round ${round}: ${cycles / 2} launch/stop cycles`, () => cycleRound(cycles / 2));
  }
  const ids: string[] = [];
  await timed(`${live} sessions live at once`, async () => {
    for (let i = 0; i < live; i += 10) ids.push(...(await Promise.all(Array.from({ length: 10 }, launch))));
    await plane.settled();
  });
  await timed('the same, ended', async () => {
    await Promise.all(ids.map(stop));
    await plane.settled();
  });
  await stop(kept);
  await close();
  return [
    `### Soak: heap and RSS after GC under mixed reads and launch/stop cycles (local server, store ${options.inMemory ? 'in memory' : 'on disk'}, ${standing}+ sessions on record)`,
    '',
    table(
      ['after', 'took', 'heap MiB', 'vs start', 'RSS MiB', 'vs start', 'own RSS MiB (anonymous)', 'vs start'],
      rows,
    ),
  ].join('\n');
}
