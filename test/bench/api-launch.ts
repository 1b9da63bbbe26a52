import { startBenchPlane } from './bench-plane';
import { loadFromOwnProcess } from './load-client';
import { ms, quantile, table } from './stats';

/** POST /sessions latency and launch-to-READY of the echo app, over real HTTP to the local server. */
export async function benchApiLaunch(): Promise<string> {
  const { plane, base, auth, close } = await startBenchPlane({ portRange: '24000-24999', inMemory: true });
  const post = async () => {
    const t0 = performance.now();
    const res = await fetch(`${base}/sessions`, { method: 'POST', body: '{"app":"echo"}', headers: auth });
    const body = (await res.json()) as { id: string };
    if (res.status !== 202) throw new Error(`launch failed: ${res.status} ${JSON.stringify(body)}`);
    return { id: body.id, ms: performance.now() - t0 };
  };
  const stopAll = async (ids: string[]) => {
    await Promise.all(
      ids.map((id) =>
        fetch(`${base}/sessions/${id}`, { method: 'DELETE', headers: auth }).then((r) => r.arrayBuffer()),
      ),
    );
    await plane.settled();
  };

  // Warm up the store, the HTTP stack and the JIT.
  await stopAll([(await post()).id, (await post()).id]);

  const sequential: number[] = [];
  const seqIds: string[] = [];
  for (let i = 0; i < 50; i++) {
    const r = await post();
    sequential.push(r.ms);
    seqIds.push(r.id);
  }
  await stopAll(seqIds);

  const t0 = performance.now();
  const concurrent = await Promise.all(Array.from({ length: 50 }, post));
  const wall = performance.now() - t0;
  await stopAll(concurrent.map((r) => r.id));

  const toReady: number[] = [];
  const serverSide: number[] = [];
  for (let i = 0; i < 20; i++) {
    const start = performance.now();
    const { id } = await post();
    for (;;) {
      const s = (await (await fetch(`${base}/sessions/${id}`, { headers: auth })).json()) as {
        status: string;
        createdAt: string;
        readyAt?: string;
      };
      if (s.status === 'READY') {
        toReady.push(performance.now() - start);
        serverSide.push(Date.parse(s.readyAt!) - Date.parse(s.createdAt));
        break;
      }
      if (s.status === 'FAILED') throw new Error('echo failed to start');
      await new Promise((r) => setTimeout(r, 5));
    }
    await stopAll([id]);
  }

  // The read path: one session's GET, 50 requests in flight, 5000 in all (after 500 to warm up),
  // from a load client in its own process.
  const { id: readId } = await post();
  const reads = await loadFromOwnProcess(`${base}/sessions/${readId}`, auth.authorization, 5000, 50, 500);
  // A stop is visible to the owner's very next GET.
  await fetch(`${base}/sessions/${readId}`, { method: 'DELETE', headers: auth }).then((r) => r.arrayBuffer());
  const afterStop = (await (await fetch(`${base}/sessions/${readId}`, { headers: auth })).json()) as { status: string };
  await plane.settled();

  await close();

  const c = concurrent.map((r) => r.ms);
  return [
    '### Control API: launch (local server, embedded dynalite, echo app as a child process)',
    '',
    table(
      ['measure', 'n', 'p50', 'p99', 'max'],
      [
        [
          'POST /sessions, sequential',
          sequential.length,
          ms(quantile(sequential, 0.5)),
          ms(quantile(sequential, 0.99)),
          ms(Math.max(...sequential)),
        ],
        ['POST /sessions, 50 concurrent', c.length, ms(quantile(c, 0.5)), ms(quantile(c, 0.99)), ms(Math.max(...c))],
      ],
    ),
    '',
    `50 concurrent launches took ${ms(wall)} wall time (${(50 / (wall / 1000)).toFixed(0)} launches/s).`,
    '',
    table(
      ['launch → READY, echo app', 'n', 'median', 'p90'],
      [
        [
          'client view (POST sent → GET says READY, 5 ms polling)',
          toReady.length,
          ms(quantile(toReady, 0.5)),
          ms(quantile(toReady, 0.9)),
        ],
        [
          'server view (readyAt − createdAt)',
          serverSide.length,
          ms(quantile(serverSide, 0.5)),
          ms(quantile(serverSide, 0.9)),
        ],
      ],
    ),
    '',
    table(
      ['GET /sessions/{id}, 50 in flight', 'n', 'p50', 'p99', 'requests/s'],
      [
        [
          'one session, owner reading',
          reads.latencies.length,
          ms(quantile(reads.latencies, 0.5)),
          ms(quantile(reads.latencies, 0.99)),
          reads.perSecond.toFixed(0),
        ],
      ],
    ),
    '',
    `The GET right after its DELETE said ${afterStop.status}.`,
  ].join('\n');
}
