import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import type Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTAINER_LABELS } from '../../shared/adapters/runtime/container/container-spec';
import { reap } from '../../shared/services/reaper/reap';
import { containerFixtureApp, containersLabelled, testEngine } from '../support/container-engine';
import { startTestPlane, type TestPlane } from '../support/plane';
import { waitFor } from '../support/wait';

const engine = await testEngine();

describe.skipIf('reason' in engine)(
  `the reaper's orphan sweep finds containers by label${'reason' in engine ? ` (${engine.reason})` : ''}`,
  () => {
    const { docker, address } = engine as { docker: Docker; address: string };
    let plane: TestPlane;
    let planeLabel: string;
    beforeAll(async () => {
      plane = await startTestPlane(
        { web: containerFixtureApp(['--mode', 'serve']) },
        { SESSIONPLANE_CONTAINER_HOST: address },
      );
      planeLabel = `${CONTAINER_LABELS.plane}=${createHash('sha256').update(resolve(plane.dataDir)).digest('hex').slice(0, 16)}`;
    });
    afterAll(async () => {
      await plane?.dispose();
      for (const c of await containersLabelled(docker, planeLabel))
        await docker.getContainer(c.Id).remove({ force: true });
    });

    it("removes a container of this server's that no live session owns, and leaves a live session's alone", async () => {
      const res = await plane.request('/sessions', { method: 'POST', body: '{"app":"web"}', user: 'alice' });
      const { id } = (await res.json()) as { id: string };
      await waitFor(async () => (await plane.deps.store.get(id))?.status === 'READY', 20_000, 'READY');
      // A stray: labelled as this server's, for a session the store has never heard of (a crash between create and record).
      const stray = await docker.createContainer({
        Image: 'localhost/busybox:1',
        Cmd: ['sleep', '600'],
        Labels: { [planeLabel.split('=')[0]!]: planeLabel.split('=')[1]!, [CONTAINER_LABELS.session]: 'f'.repeat(32) },
        HostConfig: { Init: true },
      });
      await stray.start();
      const summary = await reap(plane.deps, { concurrency: 4 });
      expect(summary.orphansStopped).toBe(1);
      const left = await containersLabelled(docker, planeLabel);
      expect(left.map((c) => c.Labels[CONTAINER_LABELS.session])).toEqual([id]);
      expect((await plane.deps.store.get(id))?.status).toBe('READY');
      await plane.request(`/sessions/${id}`, { method: 'DELETE', user: 'alice' });
    });
  },
);
