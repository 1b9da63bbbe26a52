import { chmod, chown, mkdir, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { homeName, type Home, type HomeInfo } from '../../domain/homes';
import type { Homes } from '../../ports/homes';
import type { DynamoDbUserIds } from './dynamodb-user-ids';

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
async function folderSize(path: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(path, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) total += (await stat(join(entry.parentPath, entry.name))).size;
  }
  return total;
}
