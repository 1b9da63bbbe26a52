import { randomBytes } from 'node:crypto';
import { constants, createReadStream, createWriteStream } from 'node:fs';
import { chown, lstat, mkdir, open, readdir, rename, rm, rmdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DomainError } from '../../domain/errors';
import type { HomeEntry, HomeUsage } from '../../domain/home-files';
import type { HomeFile, HomeFiles } from '../../ports/home-files';
import { folderSize, type FolderHomes } from './folder-homes';

const notFound = (path: string[]) =>
  new DomainError('file.not_found', `There is no ${path.join('/') || 'home'} in your home.`);

/**
 * Users' files in their home folders (one machine). Every folder on the way is checked to be a real folder, never a
 * symbolic link (a session may have made one pointing anywhere, and this server may be root), and a file is opened
 * with O_NOFOLLOW. Writes go to a temporary name beside the file and are renamed into place; as root, what is made
 * belongs to the user's own uid and gid, as their sessions' files do.
 */
export class FolderHomeFiles implements HomeFiles {
  constructor(
    private readonly homes: FolderHomes,
    private readonly quotaBytes: number,
  ) {}

  async list(owner: string, path: string[]): Promise<HomeEntry[] | undefined> {
    const at = await this.walk(owner, path);
    const info = await lstat(at).catch(() => undefined);
    if (!info || info.isSymbolicLink()) throw notFound(path);
    if (info.isFile()) return undefined;
    const entries: HomeEntry[] = [];
    for (const e of await readdir(at, { withFileTypes: true })) {
      if (!e.isFile() && !e.isDirectory()) continue;
      const s = await lstat(join(at, e.name)).catch(() => undefined);
      if (!s) continue;
      entries.push({
        name: e.name,
        type: e.isDirectory() ? 'folder' : 'file',
        ...(e.isFile() ? { size: s.size } : {}),
        modifiedAt: s.mtime.toISOString(),
      });
    }
    return entries.sort((a, b) => (a.type === b.type ? a.name.localeCompare(b.name) : a.type === 'folder' ? -1 : 1));
  }

  async read(owner: string, path: string[]): Promise<HomeFile> {
    const at = await this.walk(owner, path);
    const handle = await open(at, constants.O_RDONLY | constants.O_NOFOLLOW).catch(() => {
      throw notFound(path);
    });
    const info = await handle.stat();
    if (!info.isFile()) {
      await handle.close();
      throw new DomainError('file.conflict', `${path.join('/')} is a folder: list it instead.`);
    }
    return { size: info.size, modifiedAt: info.mtime.toISOString(), stream: createReadStream('', { fd: handle }) };
  }

  async write(
    owner: string,
    path: string[],
    body: Readable,
    maxBytes: number,
  ): Promise<{ size: number; created: boolean }> {
    if (!path.length) throw new DomainError('file.conflict', 'Name a file to write, not your home.');
    const home = await this.home(owner);
    const parent = await this.folders(home, path.slice(0, -1));
    const target = join(parent, path.at(-1)!);
    const existing = await lstat(target).catch(() => undefined);
    if (existing && !existing.isFile())
      throw new DomainError('file.conflict', `${path.join('/')} is a folder or a link, not a file.`);
    const room = this.quotaBytes - (await folderSize(home.path)) + (existing?.size ?? 0);
    const temp = join(parent, `.${path.at(-1)!.slice(0, 200)}.upload-${randomBytes(6).toString('hex')}`);
    const handle = await open(
      temp,
      constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW,
      0o600,
    );
    let size = 0;
    const quotaBytes = this.quotaBytes;
    const counted = new Transform({
      transform(chunk: Buffer, _enc, done) {
        size += chunk.length;
        if (size > maxBytes)
          return done(
            new DomainError(
              'request.too_large',
              `The file is larger than ${maxBytes} bytes, the most one upload may be.`,
              {
                details: { maxBytes },
              },
            ),
          );
        if (size > room)
          return done(
            new DomainError('home.full', `Your home would be over its quota of ${quotaBytes} bytes.`, {
              details: { quotaBytes },
            }),
          );
        done(null, chunk);
      },
    });
    try {
      await pipeline(body, counted, createWriteStream('', { fd: handle, flush: true }));
      if (this.homes.perUserIds) await chown(temp, home.uid, home.gid);
      await rename(temp, target);
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
    return { size, created: !existing };
  }

  async remove(owner: string, path: string[]): Promise<void> {
    if (!path.length) throw new DomainError('file.conflict', 'Your home itself cannot be removed.');
    const at = await this.walk(owner, path);
    const info = await lstat(at).catch(() => undefined);
    if (!info) throw notFound(path);
    if (info.isDirectory())
      await rmdir(at).catch((error: NodeJS.ErrnoException) => {
        throw error.code === 'ENOTEMPTY' ? new DomainError('file.conflict', `${path.join('/')} is not empty.`) : error;
      });
    else await rm(at);
  }

  async usage(owner: string): Promise<HomeUsage> {
    const home = await this.home(owner);
    return { bytes: await folderSize(home.path), quotaBytes: this.quotaBytes };
  }

  /** The owner's home folder (made on first use) and whose it is. */
  private async home(owner: string): Promise<{ path: string; uid: number; gid: number }> {
    const home = await this.homes.ensure(owner);
    return { path: home.path!, uid: home.uid, gid: home.gid };
  }

  /** The path's place on disk, once every folder above it is a real folder (not a link) in the home. */
  private async walk(owner: string, path: string[]): Promise<string> {
    const home = await this.home(owner);
    let at = home.path;
    for (const [i, name] of path.entries()) {
      at = join(at, name);
      if (i === path.length - 1) break;
      const info = await lstat(at).catch(() => undefined);
      if (!info?.isDirectory()) throw notFound(path);
    }
    return at;
  }

  /** Makes the folders on the way (each a real folder, the user's own as root), and returns the last. */
  private async folders(home: { path: string; uid: number; gid: number }, path: string[]): Promise<string> {
    let at = home.path;
    for (const name of path) {
      at = join(at, name);
      const info = await lstat(at).catch(() => undefined);
      if (info && !info.isDirectory())
        throw new DomainError('file.conflict', `${name} on the way is a file or a link, not a folder.`);
      if (!info) {
        await mkdir(at, { mode: 0o700 }).catch((error: NodeJS.ErrnoException) => {
          if (error.code !== 'EEXIST') throw error;
        });
        if (this.homes.perUserIds) await chown(at, home.uid, home.gid);
      }
    }
    return at;
  }
}
