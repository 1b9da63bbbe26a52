import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { containerFixtureApp, testEngine } from '../support/container-engine';
import { settledStart, startTestPlane, type TestPlane } from '../support/plane';

const engine = await testEngine();

/**
 * #38: data shared by a group. The `survey` app mounts the project's folder read-write for members of `astro`, and
 * `viewer` the same folder read-only for them; anyone else's session of either has no such mount at all.
 */
describe.skipIf('reason' in engine)(
  `group volumes in container sessions${'reason' in engine ? ` (${engine.reason})` : ''}`,
  () => {
    const { address } = engine as { docker: Docker; address: string };
    let plane: TestPlane;
    const volume = (mode: 'ro' | 'rw') => ({
      volumes: [{ name: 'survey', path: '/data/survey', groups: ['astro'], mode }],
    });
    beforeAll(async () => {
      plane = await startTestPlane(
        {
          survey: containerFixtureApp(['--mode', 'serve'], volume('rw')),
          viewer: containerFixtureApp(['--mode', 'serve'], volume('ro')),
        },
        { SESSIONPLANE_CONTAINER_HOST: address },
      );
    });
    afterAll(async () => plane?.dispose());

    const launch = async (user: string, app: string, groups: string[]) => {
      const res = await plane.request('/sessions', {
        method: 'POST',
        body: JSON.stringify({ app }),
        user,
        headers: { 'x-test-groups': groups.join(',') },
      });
      const view = (await res.json()) as { id: string; volumes?: unknown };
      const s = await settledStart(plane, view.id, 20_000);
      expect(s.status).toBe('READY');
      return { id: view.id, view, base: `http://${s.runtime!.endpoint}`, record: s };
    };
    const fs = async (base: string, query: string) => {
      const res = await fetch(`${base}/fs?${query}`);
      return { status: res.status, text: await res.text() };
    };

    it('a member writes (rw) and another member reads (ro, and cannot write); a non-member has no mount', async () => {
      const alice = await launch('alice', 'survey', ['astro', 'staff']);
      expect(alice.record.volumes).toEqual([{ name: 'survey', mode: 'rw' }]);
      expect(await fs(alice.base, 'op=write&path=/data/survey/catalog.csv&text=ra,dec')).toEqual({
        status: 200,
        text: 'written',
      });
      expect(readFileSync(join(plane.dataDir, 'volumes', 'survey', 'catalog.csv'), 'utf8')).toBe('ra,dec');

      const bob = await launch('bob', 'viewer', ['astro']);
      expect(bob.record.volumes).toEqual([{ name: 'survey', mode: 'ro' }]);
      expect(await fs(bob.base, 'op=read&path=/data/survey/catalog.csv')).toEqual({ status: 200, text: 'ra,dec' });
      expect(await fs(bob.base, 'op=write&path=/data/survey/mine.csv&text=x')).toEqual({ status: 500, text: 'EROFS' });

      // Carol is in no group of the volume: her session of the same app has no /data/survey at all.
      const carol = await launch('carol', 'survey', ['optics']);
      expect(carol.record.volumes).toBeUndefined();
      expect(await fs(carol.base, 'op=read&path=/data/survey/catalog.csv')).toEqual({ status: 500, text: 'ENOENT' });
      const inspected = await (engine as { docker: Docker }).docker
        .getContainer(carol.record.runtime!.runtimeId.replace('container:', ''))
        .inspect();
      expect(inspected.Mounts.map((m) => m.Destination)).not.toContain('/data/survey');

      for (const [id, user] of [
        [alice.id, 'alice'],
        [bob.id, 'bob'],
        [carol.id, 'carol'],
      ] as const)
        await plane.request(`/sessions/${id}`, { method: 'DELETE', user });
      // The project's data outlives every session.
      expect(readFileSync(join(plane.dataDir, 'volumes', 'survey', 'catalog.csv'), 'utf8')).toBe('ra,dec');
    });
  },
);
