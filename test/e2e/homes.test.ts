import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { homeName } from '../../shared/domain/homes';
import { reap } from '../../shared/services/reaper/reap';
import { fixtureApp } from '../support/apps';
import { settledStart, startTestPlane, type TestPlane } from '../support/plane';

const asRoot = process.getuid?.() === 0;

/** #17: every user's files survive their sessions; each session knows whom it runs for. */
describe('homes on one machine (process sessions)', () => {
  let plane: TestPlane;
  const apps = {
    notes: fixtureApp(['--mode', 'serve'], { home: '/home/user' }),
    sketch: fixtureApp(['--mode', 'serve'], { home: '/home/user' }),
    plain: fixtureApp(['--mode', 'serve']),
  };
  beforeAll(async () => {
    // The data directory as mkdtemp makes it (0700, as `npm start`'s own is): the server makes the
    // way to the homes passable at start-up (#33), so the test does not.
    plane = await startTestPlane(apps, { SESSIONPLANE_MAX_SESSIONS_PER_USER: '10' });
  });
  afterAll(async () => plane?.dispose());

  const launch = async (app: string, user: string) => {
    const res = await plane.request('/sessions', { method: 'POST', body: JSON.stringify({ app }), user });
    expect(res.status).toBe(202);
    const { id } = (await res.json()) as { id: string };
    const ready = await settledStart(plane, id, 10_000);
    expect(ready.status).toBe('READY');
    return { id, base: `http://${ready.runtime!.endpoint}` };
  };
  const stop = (id: string, user: string) => plane.request(`/sessions/${id}`, { method: 'DELETE', user });
  const fs = async (base: string, query: string) => {
    const res = await fetch(`${base}/fs?${query}`);
    return { status: res.status, text: await res.text() };
  };
  const homesDir = () => join(plane.dataDir, 'homes');

  it("keeps a file alice's session wrote for her next session, of the same app and of another home app", async () => {
    const first = await launch('notes', 'alice@example.org');
    expect(await fs(first.base, 'op=write&path=notes.txt&text=kept')).toEqual({ status: 200, text: 'written' });
    await stop(first.id, 'alice@example.org');
    const again = await launch('notes', 'alice@example.org');
    expect(await fs(again.base, 'op=read&path=notes.txt')).toEqual({ status: 200, text: 'kept' });
    const other = await launch('sketch', 'alice@example.org');
    expect(await fs(other.base, 'op=read&path=notes.txt')).toEqual({ status: 200, text: 'kept' });
    // Her list, usage, skaha's list and portal still answer after a home launch (her uid record
    // shares the table and the owner index: #33).
    for (const path of ['/sessions', '/usage?period=month', '/skaha/v1/session'])
      expect((await plane.request(path, { user: 'alice@example.org' })).status, path).toBe(200);
    await Promise.all([stop(again.id, 'alice@example.org'), stop(other.id, 'alice@example.org')]);
    // Stopping (and a reaper pass after it) changed nothing in it.
    await reap(plane.deps, { concurrency: 2 });
    const folder = join(homesDir(), homeName('alice@example.org'));
    expect(readdirSync(folder)).toEqual(['notes.txt']);
    expect(statSync(folder).mode & 0o777).toBe(0o700);
  });

  it.skipIf(!asRoot)(
    "runs each user's sessions as their own uid, so bob's session cannot read alice's files",
    async () => {
      const bob = await launch('notes', 'bob');
      const alicesFile = join(homesDir(), homeName('alice@example.org'), 'notes.txt');
      expect(await fs(bob.base, `op=read&path=${encodeURIComponent(alicesFile)}`)).toEqual({
        status: 500,
        text: 'EACCES',
      });
      // Not for want of a way there: bob reaches his own home by the same road, and cannot list the homes.
      const bobsFile = join(homesDir(), homeName('bob'), 'mine.txt');
      expect(await fs(bob.base, `op=write&path=${encodeURIComponent(bobsFile)}&text=b`)).toEqual({
        status: 200,
        text: 'written',
      });
      expect(statSync(homesDir()).mode & 0o777).toBe(0o711);
      const body = (await (await fetch(`${bob.base}/`)).json()) as { uid: number; gid: number };
      const alice = statSync(alicesFile);
      expect(body.uid).not.toBe(alice.uid);
      expect(body.uid).toBeGreaterThanOrEqual(200_000);
      expect(statSync(join(homesDir(), homeName('bob'))).uid).toBe(body.uid);
      await stop(bob.id, 'bob');
    },
  );

  it('says whom the session runs for in its environment, with HOME and the working folder its home', async () => {
    const s = await launch('notes', 'Carol.Jones@example.org');
    const body = (await (await fetch(`${s.base}/`)).json()) as { env: Record<string, string>; cwd: string };
    const folder = join(homesDir(), homeName('Carol.Jones@example.org'));
    expect(body.env).toMatchObject({
      SESSION_USER: 'Carol.Jones@example.org',
      JPY_USER: 'Carol.Jones@example.org',
      USER: 'carol_jones',
      URL_ID: s.id,
      JPY_BASE_USER_URL: `/s/${s.id}/`,
      TRAME_USER_DATA: folder,
      HOME: folder,
    });
    expect(body.cwd).toBe(folder);
    // skaha's session JSON says whom it runs as, from the same identity.
    const runAs = (await plane.deps.store.get(s.id))!.runAs!;
    const skaha = (await (
      await plane.request(`/skaha/v1/session/${s.id}`, { user: 'Carol.Jones@example.org' })
    ).json()) as Record<string, unknown>;
    expect(skaha).toMatchObject({ runAsUID: String(runAs.uid), runAsGID: String(runAs.gid), supplementalGroups: [] });
    // A session with no home says whom it runs for too, and keeps the app's folder.
    const plain = await launch('plain', 'Carol.Jones@example.org');
    const plainBody = (await (await fetch(`${plain.base}/`)).json()) as { env: Record<string, string> };
    expect(plainBody.env).toMatchObject({ SESSION_USER: 'Carol.Jones@example.org', USER: 'carol_jones' });
    expect(plainBody.env.TRAME_USER_DATA).toBeUndefined();
    await Promise.all([stop(s.id, 'Carol.Jones@example.org'), stop(plain.id, 'Carol.Jones@example.org')]);
  });

  it('makes one home and one uid for concurrent first launches by one user', async () => {
    const launches = await Promise.all(
      Array.from({ length: 6 }, () =>
        plane.request('/sessions', { method: 'POST', body: JSON.stringify({ app: 'notes' }), user: 'dave' }),
      ),
    );
    expect(launches.map((r) => r.status)).toEqual(Array(6).fill(202));
    const ids = await Promise.all(launches.map(async (r) => ((await r.json()) as { id: string }).id));
    const sessions = await Promise.all(ids.map((id) => plane.deps.store.get(id)));
    expect(new Set(sessions.map((s) => s!.runAs!.uid)).size).toBe(1);
    expect(readdirSync(homesDir()).filter((name) => name.startsWith('dave-'))).toHaveLength(1);
    await Promise.all(ids.map((id) => stop(id, 'dave')));
  });

  it('lists homes with their owners and sizes, to admins only', async () => {
    const res = await plane.request('/homes', { user: 'admin' });
    const forbidden = await plane.request('/homes', { user: 'alice@example.org' });
    expect(forbidden.status).toBe(403);
    expect(res.status).toBe(200);
    const { homes } = (await res.json()) as { homes: { owner: string; uid: number; sizeBytes?: number }[] };
    const alice = homes.find((h) => h.owner === 'alice@example.org');
    expect(alice).toMatchObject({ sizeBytes: 4 });
    expect(new Set(homes.map((h) => h.uid)).size).toBe(homes.length);
  });

  it.skipIf(!asRoot)(
    'refuses to start, naming the folder, when a folder above the homes is not its own and lets no one pass',
    async () => {
      const outer = mkdtempSync(join(tmpdir(), 'sp-closed-')); // 0700, not the server's data directory
      const homes = join(outer, 'homes');
      mkdirSync(homes);
      try {
        const err = await startTestPlane(apps, { SESSIONPLANE_HOMES_DIR: homes }).then(
          async (p) => {
            await p.dispose();
            return undefined;
          },
          (e: Error) => e,
        );
        expect(err?.message).toContain(`${outer} does not let others pass`);
      } finally {
        rmSync(outer, { recursive: true, force: true });
      }
    },
  );
});
