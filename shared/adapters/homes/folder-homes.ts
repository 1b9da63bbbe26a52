import { chmod, chown, mkdir, readdir, stat } from 'node:fs/promises';
import { dirname, join, relative, isAbsolute } from 'node:path';
import { homeName, type Home, type HomeInfo } from '../../domain/homes';
import type { Homes } from '../../ports/homes';
import type { DynamoDbUserIds } from '../dynamodb/dynamodb-user-ids';

/**
 * Makes the way to the homes passable for every session's uid, at start-up (#33). When sessions
 * run as their owners' uids, each folder from `/` down to the homes folder must let others pass
 * (the execute bit): folders of this server's own (`ownRoot`, the data directory, and below) are
 * made so (0711 at least: pass, never list); any other that is not says so, naming the folder and
 * the remedy, before any session could start without its home.
 */
export async function passableHomes(
  homesDir: string,
  ownRoot: string,
  asRoot = process.getuid?.() === 0,
): Promise<void> {
  await mkdir(homesDir, { recursive: true, mode: 0o711 });
  await chmod(homesDir, 0o711);
  if (!asRoot) return;
  for (let dir = dirname(homesDir); ; dir = dirname(dir)) {
    const { mode } = await stat(dir);
    const inside = relative(ownRoot, dir);
    const ours = inside === '' || (!inside.startsWith('..') && !isAbsolute(inside));
    if ((mode & 0o001) === 0) {
      if (!ours)
        throw new Error(
          `Sessions run as their owners' uids and cannot reach their homes in ${homesDir}: ${dir} does not let others pass (mode ${(mode & 0o777).toString(8)}). ` +
            `Put the data directory (SESSIONPLANE_DATA_DIR) or the homes (SESSIONPLANE_HOMES_DIR) where others may pass, or chmod o+x ${dir}.`,
        );
      await chmod(dir, (mode & 0o777) | 0o011);
    }
    if (dir === dirname(dir)) return;
  }
}

/**
 * Homes on one machine: a folder per user under the homes folder, named by `homeName` (safe and
 * collision-free for any owner), mode 0700. When the server runs as root the folder belongs to the
 * user's own uid and gid, and so do their sessions (processes and containers alike), so no other
 * user's session can read it; otherwise every session runs as the server's user (see README).
 */
export class FolderHomes implements Homes {
  constructor(
    private readonly dir: string,
    private readonly ids: DynamoDbUserIds,
    private readonly asRoot = process.getuid?.() === 0,
  ) {}

  /** Whether sessions run as their owner's uid (the server is root and can give them one). */
  get perUserIds(): boolean {
    return this.asRoot;
  }

  /** The owner's uid and gid (allocated once, as for their home), when sessions run as their owners. */
  async runAs(owner: string): Promise<{ uid: number; gid: number } | undefined> {
    if (!this.asRoot) return undefined;
    const { uid, gid } = await this.ids.ensure(owner);
    return { uid, gid };
  }

  async ensure(owner: string): Promise<Home> {
    const ids = await this.ids.ensure(owner);
    const path = join(this.dir, homeName(owner));
    // The homes folder: others may pass through it to their own home, not list who has one.
    await mkdir(this.dir, { recursive: true, mode: 0o711 });
    await chmod(this.dir, 0o711);
    // mkdir of an existing folder is no error, so concurrent first launches agree; its contents are never touched.
    await mkdir(path, { recursive: true, mode: 0o700 });
    await chmod(path, 0o700);
    if (this.asRoot) await chown(path, ids.uid, ids.gid);
    return { ...ids, path };
  }

  async list(): Promise<HomeInfo[]> {
    const users = await this.ids.list();
    return Promise.all(
      users.map(async (user) => {
        const path = join(this.dir, homeName(user.owner));
        const sizeBytes = await folderSize(path).catch(() => undefined);
        return { ...user, path, ...(sizeBytes !== undefined ? { sizeBytes } : {}) };
      }),
    );
  }
}

/** Bytes under a folder (files only; links not followed). */
export async function folderSize(path: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(path, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) total += (await stat(join(entry.parentPath, entry.name))).size;
  }
  return total;
}
