import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../support/wait';

/**
 * An app's CPU rule on ECS (#37): the demo image's entrypoint, run as a task runs it, reads the task's Docker stats from
 * the task metadata endpoint and reports the task busy while it works. The endpoint is played here in the shape ECS
 * documents (task-metadata-endpoint-v4: `/task/stats`, each container's `cpu_stats.cpu_usage.total_usage` in ns),
 * since neither moto nor this machine has one; the API's activity route is played to count the reports.
 */
describe("the task's own CPU report (busy-reporter.mjs through sessionplane-entry.mjs)", () => {
  let server: Server;
  let base = '';
  // The task's CPU: 1.5 vCPU while `working`, nothing after.
  let working = true;
  let cpuNs = 0;
  let sampledAt = Date.now();
  const reports: { at: number; auth: string | undefined; working: boolean }[] = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === '/v4/task-1/task/stats') {
        const now = Date.now();
        if (working) cpuNs += (now - sampledAt) * 1e6 * 1.5;
        sampledAt = now;
        const stats = { c1: { cpu_stats: { cpu_usage: { total_usage: cpuNs } } }, c2: { cpu_stats: {} } };
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(stats));
      } else if (req.method === 'POST' && req.url === '/sessions/abc/activity') {
        reports.push({ at: Date.now(), auth: req.headers.authorization, working });
        res.writeHead(202).end('{}');
      } else res.writeHead(404).end();
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => server?.close());

  it('reports while the task works above its rule, and stops reporting once it rests', async () => {
    const child = spawn(
      process.execPath,
      ['examples/apps/sessionplane-entry.mjs', process.execPath, '-e', 'setTimeout(() => {}, 60_000)'],
      {
        env: {
          PATH: process.env.PATH,
          SESSION_SECRET: 'sek',
          SESSION_BUSY_CPU: '0.5',
          SESSION_BUSY_SAMPLE_MS: '100',
          ECS_CONTAINER_METADATA_URI_V4: `${base}/v4/task-1`,
          SESSION_ACTIVITY_URL: `${base}/sessions/abc/activity`,
        },
        stdio: 'inherit',
      },
    );
    try {
      await waitFor(async () => reports.length >= 3, 30_000, 'three reports while it works');
      expect(reports.every((r) => r.auth === 'Bearer sek')).toBe(true);
      working = false;
      const rested = Date.now();
      // Ordered, not timed: once its samples have seen it rest (a few sample periods, however long they take), no more.
      await waitFor(async () => reports.length > 0 && Date.now() - rested > 1500, 10_000, 'a rest');
      const countAtRest = reports.filter((r) => !r.working).length;
      await new Promise((r) => setTimeout(r, 1000));
      expect(reports.filter((r) => !r.working).length).toBe(countAtRest);
      expect(countAtRest).toBeLessThanOrEqual(1);
    } finally {
      child.kill('SIGTERM');
      await once(child, 'exit');
    }
  }, 60_000);
});
