import { CloudWatchLogsClient, GetLogEventsCommand, ResourceNotFoundException } from '@aws-sdk/client-cloudwatch-logs';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CloudWatchSessionLogs } from '../../shared/adapters/aws/cloudwatch-session-logs';
import { fixtureApp } from '../support/apps';
import { startTestPlane, type TestPlane } from '../support/plane';
import { makeSession } from '../support/sessions';
import { waitFor } from '../support/wait';

const chatty = fixtureApp([], {
  command: [
    process.execPath,
    '-e',
    "let i = 0; console.log('first line'); const t = setInterval(() => { console.log('line ' + (++i)); console.error('err ' + i); if (i === 5) { clearInterval(t); console.log('ready now'); setInterval(() => {}, 1000); } }, 40)",
  ],
  ready: { kind: 'line', line: 'ready now' },
});

describe('GET /sessions/{id}/logs (local log file)', () => {
  let plane: TestPlane;
  let id: string;
  beforeAll(async () => {
    plane = await startTestPlane({ chatty });
    id = (
      (await (await plane.request('/sessions', { method: 'POST', body: '{"app":"chatty"}' })).json()) as { id: string }
    ).id;
    await waitFor(async () => (await plane.deps.store.get(id))?.status === 'READY', 10_000, 'READY');
    await waitFor(
      async () => (await (await plane.request(`/sessions/${id}/logs`)).text()).includes('ready now'),
      5000,
      'log written',
    );
  });
  afterAll(async () => plane?.dispose());

  it("returns the app's stdout and stderr, each line with its time, as text/plain", async () => {
    const res = await plane.request(`/sessions/${id}/logs`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    const lines = (await res.text()).trim().split('\n');
    expect(lines[0]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z first line$/);
    expect(lines.join('\n')).toContain('err 5');
    expect(Number(res.headers.get('x-next-since'))).toBeGreaterThan(0);
  });

  it('returns only newer lines with ?since=, and the newest bytes within ?limit=', async () => {
    const all = (await (await plane.request(`/sessions/${id}/logs`)).text()).trim().split('\n');
    const cut = Date.parse(all[all.length - 1]!.slice(0, 24));
    const newer = (await (await plane.request(`/sessions/${id}/logs?since=${new Date(cut).toISOString()}`)).text())
      .trim()
      .split('\n');
    expect(newer.length).toBeLessThan(all.length);
    expect(newer).toContain(all[all.length - 1]);
    const small = await plane.request(`/sessions/${id}/logs?limit=60`);
    expect(small.headers.get('x-truncated')).toBe('true');
    expect(Buffer.byteLength(await small.text())).toBeLessThanOrEqual(60);
  });

  it('is for the owner only, and refuses a bad since or limit', async () => {
    expect((await plane.request(`/sessions/${id}/logs`, { user: 'mallory' })).status).toBe(404);
    expect((await plane.request(`/sessions/${id}/logs?since=yesterday`)).status).toBe(400);
    expect((await plane.request(`/sessions/${id}/logs?limit=0`)).status).toBe(400);
  });
});

describe('CloudWatchSessionLogs', () => {
  const cw = new CloudWatchLogsClient({ region: 'eu-west-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
  const mock = mockClient(cw);
  const logs = new CloudWatchSessionLogs(cw, {
    logGroupOf: (app) => `/sessionplane/apps/${app}`,
    streamPrefix: 'session',
    containerName: 'app',
  });
  const session = makeSession({
    app: 'viz',
    runtime: { kind: 'ecs', runtimeId: 'arn:aws:ecs:eu-west-1:123456789012:task/sessionplane/0123abcd' },
  });

  it("reads the task's awslogs stream, newest events, cut to the size bound", async () => {
    mock.reset();
    mock
      .on(GetLogEventsCommand)
      .resolves({ events: [1, 2, 3].map((i) => ({ timestamp: 1_700_000_000_000 + i, message: `line ${i}\n` })) });
    const tail = await logs.tail(session, { sinceMs: 1_700_000_000_000, maxBytes: 70 });
    expect(mock.commandCalls(GetLogEventsCommand)[0]!.args[0].input).toEqual({
      logGroupName: '/sessionplane/apps/viz',
      logStreamName: 'session/app/0123abcd',
      startTime: 1_700_000_000_000,
      startFromHead: false,
      limit: 10_000,
    });
    expect(tail).toEqual({
      lines: ['2023-11-14T22:13:20.002Z line 2', '2023-11-14T22:13:20.003Z line 3'],
      nextSince: 1_700_000_000_004,
      truncated: true,
    });
  });

  it('reads a stream that does not exist yet as no lines', async () => {
    mock.reset();
    mock
      .on(GetLogEventsCommand)
      .rejects(new ResourceNotFoundException({ message: 'The specified log stream does not exist.', $metadata: {} }));
    expect(await logs.tail(session, { maxBytes: 1000 })).toEqual({ lines: [], nextSince: undefined, truncated: false });
  });
});
