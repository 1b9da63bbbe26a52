import { rmSync } from 'node:fs';
import { startServer } from '../support/server';
import { ms, quantile, table } from './stats';

/**
 * How soon a watcher hears of a launch (#15): POST /sessions, then at once a client on
 * GET /sessions/{id}/events (text/event-stream); the time from the POST to its first event, and
 * to its last (READY), beside the POST's own answer. npm start, the echo app.
 */
export async function benchEvents(): Promise<string> {
  const server = await startServer({
    SESSIONPLANE_MAX_SESSIONS_PER_USER: '1000',
    SESSIONPLANE_RATE_LIMIT: '100000',
    SESSIONPLANE_LOG_LEVEL: 'warn',
  });
  const one = async () => {
    const t0 = performance.now();
    const res = await server.api('/sessions', { method: 'POST', body: '{"app":"echo"}' });
    const { id } = (await res.json()) as { id: string };
    const posted = performance.now() - t0;
    const stream = await server.api(`/sessions/${id}/events`, { headers: { accept: 'text/event-stream' } });
    let first = 0;
    let text = '';
    const decoder = new TextDecoder();
    for await (const chunk of stream.body as unknown as AsyncIterable<Uint8Array>) {
      if (!first) first = performance.now() - t0;
      text += decoder.decode(chunk, { stream: true });
    }
    const last = performance.now() - t0;
    if (!text.includes('"ready":true')) throw new Error(`the stream of ${id} did not end READY:\n${text}`);
    await (await server.api(`/sessions/${id}`, { method: 'DELETE' })).arrayBuffer();
    return { posted, first, last };
  };
  try {
    for (let i = 0; i < 3; i++) await one(); // warm-up
    const runs: Awaited<ReturnType<typeof one>>[] = [];
    for (let i = 0; i < 15; i++) runs.push(await one());
    const med = (f: (r: Awaited<ReturnType<typeof one>>) => number) => ms(quantile(runs.map(f), 0.5));
    return [
      '### Launch progress: how soon a stream client hears (npm start, echo app; POST, then GET /sessions/{id}/events as text/event-stream at once; median of 15)',
      '',
      table(
        ['from the POST to', 'time'],
        [
          ['its 202', med((r) => r.posted)],
          ['the first event on the stream (requested)', med((r) => r.first)],
          ['the final event (ready), the stream ended', med((r) => r.last)],
        ],
      ),
    ].join('\n');
  } finally {
    await server.stop();
    rmSync(server.dataDir, { recursive: true, force: true });
  }
}
