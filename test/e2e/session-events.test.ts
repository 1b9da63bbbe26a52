import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalServer } from '../../functions/local/http-server';
import { fixtureApp } from '../support/apps';
import { startTestPlane, type TestPlane } from '../support/plane';

interface StreamedEvent {
  id: number;
  phase: string;
  message: string;
  progress: number;
  ready?: boolean;
  failed?: boolean;
  url?: string;
  connectURL?: string;
}

/** Reads a server-sent event stream to its end: the events (with their SSE ids) and the keepalive comments seen. */
async function readStream(url: string, headers: Record<string, string> = {}) {
  const res = await fetch(url, { headers: { accept: 'text/event-stream', 'x-test-user': 'alice', ...headers } });
  const events: (StreamedEvent & { sseId: string })[] = [];
  let keepalives = 0;
  let text = '';
  const decoder = new TextDecoder();
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    text += decoder.decode(chunk, { stream: true });
    let end = text.indexOf('\n\n');
    while (end >= 0) {
      const block = text.slice(0, end);
      text = text.slice(end + 2);
      if (block.startsWith(': keepalive')) keepalives++;
      const data = /^data: (.*)$/m.exec(block)?.[1];
      const sseId = /^id: (.*)$/m.exec(block)?.[1];
      if (data) events.push({ ...(JSON.parse(data) as StreamedEvent), sseId: sseId ?? '' });
      end = text.indexOf('\n\n');
    }
  }
  return { status: res.status, contentType: res.headers.get('content-type'), events, keepalives };
}

describe('session events: the log, the stream, the long-poll (#15)', () => {
  let plane: TestPlane;
  let server: LocalServer;
  const launch = async (app: string) => {
    const res = await plane.request('/sessions', { method: 'POST', body: JSON.stringify({ app }) });
    return (await res.json()) as { id: string; connectURL: string };
  };
  const list = async (id: string, query = '') =>
    (await (await plane.request(`/sessions/${id}/events${query}`)).json()) as { events: StreamedEvent[]; next: number };

  beforeAll(async () => {
    plane = await startTestPlane(
      {
        // Ready about 1.2 s after it starts: long enough to watch, with keepalives every 300 ms.
        slow: fixtureApp(['--delay', '1200', '--ready-line', 'App running at'], {
          ready: { kind: 'line', line: 'App running at' },
        }),
        broken: fixtureApp(['--mode', 'exit', '--delay', '300']),
      },
      { SESSIONPLANE_EVENT_KEEPALIVE: '300ms' },
    );
    server = await plane.listen();
  });
  afterAll(async () => plane?.dispose());

  it('streams every step of a local launch to a client connected before READY, with keepalives, and ends with the final event', async () => {
    const s = await launch('slow');
    const stream = await readStream(`${server.url}/sessions/${s.id}/events`);
    expect(stream.status).toBe(200);
    expect(stream.contentType).toContain('text/event-stream');
    expect(stream.events.map((e) => e.phase)).toEqual(['requested', 'started', 'probing', 'ready']);
    expect(stream.events.map((e) => e.sseId)).toEqual(['1', '2', '3', '4']);
    expect(stream.events.map((e) => e.progress)).toEqual([5, 85, 90, 100]);
    expect(stream.events.at(-1)).toMatchObject({ ready: true, url: expect.stringContaining(`/s/${s.id}/`) });
    expect(stream.events.at(-1)!.connectURL).toBe(stream.events.at(-1)!.url);
    expect(stream.events.at(-1)!.url).not.toContain('token');
    expect(stream.keepalives).toBeGreaterThanOrEqual(1);
    // The same log as JSON, and the launch's timings in the session's view.
    expect((await list(s.id)).events.map((e) => e.phase)).toEqual(['requested', 'started', 'probing', 'ready']);
    const view = (await (await plane.request(`/sessions/${s.id}`)).json()) as { timings: Record<string, number> };
    expect(view.timings.ready).toBeGreaterThanOrEqual(1000); // probing → ready: the app's own 1.2 s
    expect(view.timings.total).toBeGreaterThanOrEqual(view.timings.ready!);
  });

  it('resumes from Last-Event-ID: nothing missed, nothing repeated', async () => {
    const s = await launch('slow');
    const resumed = await readStream(`${server.url}/sessions/${s.id}/events`, { 'last-event-id': '2' });
    expect(resumed.events.map((e) => e.sseId)).toEqual(['3', '4']);
    expect(resumed.events.map((e) => e.phase)).toEqual(['probing', 'ready']);
  });

  it('keeps a stream opened on a running session open past READY, and ends it when the session stops', async () => {
    const s = await launch('slow');
    while (!(await list(s.id)).events.some((e) => e.phase === 'ready')) await new Promise((r) => setTimeout(r, 100));
    const streamed = readStream(`${server.url}/sessions/${s.id}/events`);
    await new Promise((r) => setTimeout(r, 700)); // a keepalive or two: the stream is still open
    await plane.request(`/sessions/${s.id}`, { method: 'DELETE' });
    const stream = await streamed;
    expect(stream.events.map((e) => e.phase)).toEqual([
      'requested',
      'started',
      'probing',
      'ready',
      'stop-requested',
      'stopped',
    ]);
    expect(stream.events.at(-1)).toMatchObject({ ready: false, failed: false });
    expect(stream.keepalives).toBeGreaterThanOrEqual(1);
  });

  it('ends a stream of a failed start with its reason', async () => {
    const s = await launch('broken');
    const stream = await readStream(`${server.url}/sessions/${s.id}/events`);
    expect(stream.events.at(-1)).toMatchObject({ phase: 'failed', ready: false, failed: true });
    expect(stream.events.at(-1)!.message).toContain('exited-before-ready: exit code 3');
  });

  it('long-polls: waits for what is new, returns it at once when it comes, and returns empty at the end of its wait', async () => {
    const s = await launch('slow');
    const before = await list(s.id, '?wait=10');
    expect(before.events.length).toBeGreaterThanOrEqual(1);
    while (!(await list(s.id)).events.some((e) => e.phase === 'ready')) await new Promise((r) => setTimeout(r, 100));
    // Nothing new after READY: the wait runs out.
    const next = (await list(s.id)).next;
    const t0 = Date.now();
    const quiet = await list(s.id, `?after=${next}&wait=1`);
    expect(quiet.events).toEqual([]);
    expect(quiet.next).toBe(next);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(900);
    // A stop while a long-poll waits: it returns with the stop's events, long before its wait is up.
    const t1 = Date.now();
    const waiting = list(s.id, `?after=${next}&wait=20`);
    await new Promise((r) => setTimeout(r, 200));
    await plane.request(`/sessions/${s.id}`, { method: 'DELETE' });
    const woke = await waiting;
    // Long before its 20 s wait was up.
    expect(Date.now() - t1).toBeLessThan(15_000);
    expect(woke.events[0]!.phase).toBe('stop-requested');
    expect(woke.events[0]!.id).toBe(next + 1);
  });

  it("answers only the owner (and admins), refuses bad queries in problem+json, and another user's id is not found", async () => {
    const s = await launch('slow');
    expect((await plane.request(`/sessions/${s.id}/events`, { user: 'bob' })).status).toBe(404);
    expect((await plane.request(`/sessions/${s.id}/events`, { user: 'admin' })).status).toBe(200);
    const bad = await plane.request(`/sessions/${s.id}/events?wait=99`);
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toContain('application/problem+json');
    expect((await plane.request(`/sessions/${s.id}/events?after=-1`)).status).toBe(400);
  });
});
