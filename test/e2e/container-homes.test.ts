import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { homeName } from '../../shared/domain/homes';
import { containerFixtureApp, testEngine } from '../support/container-engine';
import { settledStart, startTestPlane, type TestPlane } from '../support/plane';

const engine = await testEngine();

describe.skipIf('reason' in engine)(
  `homes in container sessions${'reason' in engine ? ` (${engine.reason})` : ''}`,
  () => {
    const { address } = engine as { docker: Docker; address: string };
    let plane: TestPlane;
    beforeAll(async () => {
      plane = await startTestPlane(
        {
          notes: containerFixtureApp(['--mode', 'serve'], { home: '/home/user' }),
          plain: containerFixtureApp(['--mode', 'serve']),
        },
        { SESSIONPLANE_CONTAINER_HOST: address },
      );
    });
    afterAll(async () => plane?.dispose());

    const launch = async (user: string, app = 'notes') => {
      const res = await plane.request('/sessions', { method: 'POST', body: JSON.stringify({ app }), user });
      const { id } = (await res.json()) as { id: string };
      const s = await settledStart(plane, id, 20_000);
      expect(s.status).toBe('READY');
      return { id, base: `http://${s.runtime!.endpoint}`, uid: s.runAs!.uid };
    };
    const fs = async (base: string, query: string) => {
      const res = await fetch(`${base}/fs?${query}`);
      return { status: res.status, text: await res.text() };
    };

    it("bind-mounts the user's home at the app's path, runs as the user's uid, and leaves files there owned by it", async () => {
      const alice = await launch('alice');
      const body = (await (await fetch(`${alice.base}/`)).json()) as {
        uid: number;
        gid: number;
        env: Record<string, string>;
      };
      expect(body).toMatchObject({ uid: alice.uid, gid: alice.uid });
      expect(body.env).toMatchObject({
        HOME: '/home/user',
        TRAME_USER_DATA: '/home/user',
        SESSION_USER: 'alice',
        USER: 'alice',
      });
      expect(await fs(alice.base, 'op=write&path=/home/user/plot.txt&text=data')).toEqual({
        status: 200,
        text: 'written',
      });
      const onHost = join(plane.dataDir, 'homes', homeName('alice'), 'plot.txt');
      expect(readFileSync(onHost, 'utf8')).toBe('data');
      expect(statSync(onHost).uid).toBe(alice.uid);

      // Bob's container has his own home there, and no way to alice's.
      const bob = await launch('bob');
      expect(bob.uid).not.toBe(alice.uid);
      expect(await fs(bob.base, 'op=read&path=/home/user/plot.txt')).toEqual({ status: 500, text: 'ENOENT' });
      await plane.request(`/sessions/${alice.id}`, { method: 'DELETE', user: 'alice' });
      await plane.request(`/sessions/${bob.id}`, { method: 'DELETE', user: 'bob' });
      // The container is gone; the file is not.
      expect(readFileSync(onHost, 'utf8')).toBe('data');
    });

    it.skipIf(process.getuid?.() !== 0)(
      "runs an image app without a home as its owner's uid too, never the image's root (#33)",
      async () => {
        const carol = await launch('carol', 'plain');
        const body = (await (await fetch(`${carol.base}/`)).json()) as { uid: number; gid: number };
        expect(body.uid).not.toBe(0);
        expect(body).toMatchObject({ uid: carol.uid, gid: carol.uid });
        // The same uid as her home sessions get.
        const notes = await launch('carol');
        expect(notes.uid).toBe(carol.uid);
        await plane.request(`/sessions/${carol.id}`, { method: 'DELETE', user: 'carol' });
        await plane.request(`/sessions/${notes.id}`, { method: 'DELETE', user: 'carol' });
      },
    );
  },
);
