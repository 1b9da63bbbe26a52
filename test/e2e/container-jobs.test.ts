import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTAINER_LABELS } from '../../shared/adapters/runtime/container/container-spec';
import { containersLabelled, TEST_IMAGE, testEngine } from '../support/container-engine';
import { startServer, type ServerProcess } from '../support/server';
import { waitFor } from '../support/wait';

const engine = await testEngine();

/** The demo batch job (examples/apps/batch.mjs, in the test image) as a container, under a one-second idle timeout. */
const APPS = `
batch:
  kind: job
  image: ${TEST_IMAGE}
  cmd: [node, /app/batch.mjs]
  idleTimeout: 1s
  warnBefore: 400ms
  params:
    ITEMS: { type: integer, min: 0, max: 100, default: 3 }
    ITEM_MS: { type: integer, min: 0, max: 10000, default: 0 }
    EXIT_CODE: { type: integer, min: 0, max: 255, default: 0 }
  userCommand:
    args: true
  resources: { cpu: 0.25, memory: 128Mi }
  launchTimeout: 120s
`;

interface View {
  id: string;
  status: string;
  statusReason?: string;
  exitCode?: number;
  output?: string[];
}

/** #37's must-show for containers, through npm start: a job's exit code is its container's, its log kept. */
describe.skipIf('reason' in engine)(`jobs as containers${'reason' in engine ? ` (${engine.reason})` : ''}`, () => {
  const { docker, address } = engine as { docker: Docker; address: string };
  let server: ServerProcess;
  let dir: string;
  const ended = (id: string) =>
    waitFor(
      async () => {
        const view = (await (await server.api(`/sessions/${id}`)).json()) as View;
        return ['COMPLETED', 'FAILED', 'STOPPED'].includes(view.status) ? view : undefined;
      },
      // A container's start beside other work can take tens of seconds (its launch timeout is 120 s).
      180_000,
      `job ${id} to end`,
    );
  const launch = async (body: Record<string, unknown>) =>
    (await (await server.api('/sessions', { method: 'POST', body: JSON.stringify(body) })).json()) as View;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sp-ctr-jobs-'));
    writeFileSync(join(dir, 'apps.yml'), APPS);
    server = await startServer({
      SESSIONPLANE_APPS: join(dir, 'apps.yml'),
      SESSIONPLANE_CONTAINER_HOST: address,
      SESSIONPLANE_REAPER_INTERVAL: '200ms',
    });
  });
  afterAll(async () => {
    await server?.stop('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
    if (server) rmSync(server.dataDir, { recursive: true, force: true });
  });

  it('exit 0 after 3.5 s under a 1 s idle timeout: COMPLETED, never idle-warned, no container left, its log kept', async () => {
    const { id } = await launch({ app: 'batch', params: { ITEMS: 5, ITEM_MS: 700 }, args: ['--chunk=7'] });
    const view = await ended(id);
    expect(view).toMatchObject({ status: 'COMPLETED', exitCode: 0, statusReason: 'completed: exit code 0' });
    expect(view.output).toEqual([
      'args: ["--chunk=7"]',
      ...[1, 2, 3, 4, 5].map((i) => `item ${i} of 5`),
      'done, exiting 0',
    ]);
    const events = (await (await server.api(`/sessions/${id}/events`)).json()) as { events: { phase: string }[] };
    expect(events.events.map((e) => e.phase)).not.toContain('idle-warning');
    expect(await containersLabelled(docker, `${CONTAINER_LABELS.session}=${id}`)).toEqual([]);
    expect(await (await server.api(`/sessions/${id}/logs`)).text()).toContain('done, exiting 0');
  }, 240_000);

  it('exit 3: FAILED with exit code 3 and its last lines', async () => {
    const { id } = await launch({ app: 'batch', params: { EXIT_CODE: 3 } });
    const view = await ended(id);
    expect(view).toMatchObject({ status: 'FAILED', exitCode: 3, statusReason: 'job-failed: exit code 3' });
    expect(view.output?.at(-1)).toBe('done, exiting 3');
  }, 240_000);
});
