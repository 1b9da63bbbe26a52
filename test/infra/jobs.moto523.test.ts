import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpApiEvent } from '../support/lambda-events';
import { moto523Missing } from '../support/moto-523';
import { deployOnMoto, type MotoDeployment } from '../support/moto-deployment';
import { waitFor } from '../support/wait';

/** A job of the demo image (examples/apps/batch.mjs), with a one-second idle timeout a session would be stopped by. */
const APPS = `batch:
  kind: job
  image: registry.example.org/sessionplane/echo:1
  cmd: [node, batch.mjs]
  idleTimeout: 1s
  warnBefore: 400ms
  params:
    ITEMS: { type: integer, min: 0, max: 100, default: 3 }
    ITEM_MS: { type: integer, min: 0, max: 10000, default: 0 }
    EXIT_CODE: { type: integer, min: 0, max: 255, default: 0 }
  userCommand:
    args: true
`;

type Answer = { statusCode: number; body: string; headers?: Record<string, string> };
const json = (a: Answer) => JSON.parse(a.body) as Record<string, unknown>;
const missing = moto523Missing();
const suite = missing ? describe.skip : describe;

/** #37's must-show on the ECS runtime: a job is a task, its exit code its container's, its log kept in CloudWatch. */
suite(`Jobs as ECS tasks on moto 5.2.3${missing ? ` (skipped: ${missing})` : ''}`, () => {
  let d: MotoDeployment;
  let dir: string;
  const call = (method: string, path: string, body?: string, user = 'alice') =>
    d.fns[method === 'GET' ? 'api-read' : 'api-write']!.invoke<Answer>(
      httpApiEvent(method, path, { claims: { sub: user, 'cognito:groups': '[users]' }, ...(body ? { body } : {}) }),
    );
  /** The agent's task events since the last step, each delivered to task-events; their outcomes. */
  const deliver = async () => {
    const outcomes: string[] = [];
    for (const event of await d.agent.sync())
      outcomes.push((await d.fns['task-events']!.invoke<{ outcome: string }>(event)).outcome);
    return outcomes;
  };
  /** Delivers events (and runs the reaper, as its schedule would) until the job has ended; its view and the outcomes. */
  const runToEnd = async (id: string) => {
    const outcomes: string[] = [];
    const view = await waitFor(
      async () => {
        outcomes.push(...(await deliver()));
        const pass = await d.fns.reaper!.invoke<Record<string, unknown>>({ 'detail-type': 'Scheduled Event' });
        expect(pass).toMatchObject({ errors: 0 });
        const seen = json(await call('GET', `/sessions/${id}`));
        return ['COMPLETED', 'FAILED', 'STOPPED'].includes(String(seen.status)) ? seen : undefined;
      },
      60_000,
      `job ${id} to end`,
    );
    return { view, outcomes };
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sp-jobs-'));
    const appsFile = join(dir, 'apps.yml');
    writeFileSync(appsFile, APPS);
    d = await deployOnMoto(appsFile, { enforceIam: true });
  }, 240_000);
  afterAll(async () => {
    await d?.close();
    for (const x of [dir, d?.stack.outdir]) if (x) rmSync(x, { recursive: true, force: true });
  });

  it('a job that exits 0 after running 3× its idle timeout: COMPLETED, never idle-warned, its output kept in its log', async () => {
    const launched = await call(
      'POST',
      '/sessions',
      '{"app":"batch","params":{"ITEMS":5,"ITEM_MS":700},"args":["--chunk=7"]}',
    );
    expect(launched.statusCode, launched.body).toBe(202);
    const id = String(json(launched).id);
    const started = Date.now();
    const { view, outcomes } = await runToEnd(id);
    expect(Date.now() - started).toBeGreaterThan(3000);
    // RUNNING made it READY (no port to probe), its container's exit made it COMPLETED.
    expect(outcomes).toEqual(['ready', 'stopped']);
    expect(view).toMatchObject({
      status: 'COMPLETED',
      exitCode: 0,
      kind: 'job',
      statusReason: 'completed: exit code 0',
    });
    expect(view.output).toEqual([
      'args: ["--chunk=7"]',
      ...[1, 2, 3, 4, 5].map((i) => `item ${i} of 5`),
      'done, exiting 0',
    ]);
    const events = json(await call('GET', `/sessions/${id}/events`)).events as { phase: string }[];
    expect(events.map((e) => e.phase)).not.toContain('idle-warning');
    expect(events.map((e) => e.phase)).toContain('completed');
    // The task's command was the app's and the launch's arguments, as given.
    expect(d.agent.processes().at(-1)!.command.slice(-3)).toEqual(['node', 'batch.mjs', '--chunk=7']);
  });

  it('a job that exits 3: FAILED with exit code 3 (from the task’s container) and its last lines', async () => {
    const launched = await call('POST', '/sessions', '{"app":"batch","params":{"EXIT_CODE":3}}');
    const id = String(json(launched).id);
    const { view } = await runToEnd(id);
    expect(view).toMatchObject({ status: 'FAILED', exitCode: 3, statusReason: 'job-failed: exit code 3' });
    expect((view.output as string[]).at(-1)).toBe('done, exiting 3');
    // Its log outlives it: the logs route still reads the task's stream.
    const logs = await call('GET', `/sessions/${id}/logs`);
    expect(logs.body).toContain('done, exiting 3');
  });

  it("skaha's headless create with args (the canfar client's query string) runs as a job; `cmd` outside the rules is skaha's 400", async () => {
    const create = await call(
      'POST',
      '/skaha/v1/session?name=reduce-1&app=batch&type=headless&args=--n%3D1%20--m%3D2&env=ITEMS%3D1',
    );
    expect(create.statusCode, create.body).toBe(200);
    const id = create.body.trim();
    const { view } = await runToEnd(id);
    expect(view).toMatchObject({ status: 'COMPLETED', exitCode: 0 });
    expect((view.output as string[])[0]).toBe('args: ["--n=1","--m=2"]');
    const skaha = JSON.parse((await call('GET', `/skaha/v1/session/${id}`)).body) as Record<string, unknown>;
    expect(skaha).toMatchObject({ type: 'headless', status: 'Completed', connectURL: '' });
    const refused = await call('POST', '/skaha/v1/session?name=x&app=batch&type=headless&cmd=/bin/sh');
    expect(refused.statusCode).toBe(400);
    expect(refused.body).toBe('cmd: app batch runs its own command, and takes none');
  });
});
