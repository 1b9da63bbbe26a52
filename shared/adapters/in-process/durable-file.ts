import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, linkSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { link, open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * Writes `data` to `path` so that a crash leaves either the old file or the whole new one, never a
 * partial one: a temporary file beside it, flushed, then moved into place and the folder flushed.
 * `exclusive` links instead of renaming, so an existing file is kept (EEXIST) rather than replaced.
 */
export function writeFileDurably(
  path: string,
  data: string,
  options: { mode?: number; exclusive?: boolean } = {},
): void {
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const fd = openSync(tmp, 'wx', options.mode ?? 0o600);
  try {
    writeSync(fd, data);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    if (options.exclusive) linkSync(tmp, path);
    else renameSync(tmp, path);
  } finally {
    rmSync(tmp, { force: true });
  }
  const dirFd = openSync(dir, 'r');
  try {
    fsyncSync(dirFd);
  } finally {
    closeSync(dirFd);
  }
}

/**
 * writeFileDurably off the event loop (#39): the same steps, each on libuv's thread pool, so a launch's flush of its
 * pid record does not hold every other request for the disk's sync.
 */
export async function writeFileDurablyAsync(
  path: string,
  data: string,
  options: { mode?: number; exclusive?: boolean } = {},
): Promise<void> {
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const file = await open(tmp, 'wx', options.mode ?? 0o600);
  try {
    await file.writeFile(data);
    await file.sync();
  } finally {
    await file.close();
  }
  // Renamed, the temporary name is gone; linked, or not moved at all, it is removed.
  try {
    if (options.exclusive) await link(tmp, path);
    else await rename(tmp, path);
  } catch (error) {
    await rm(tmp, { force: true });
    throw error;
  }
  if (options.exclusive) await rm(tmp, { force: true });
  const folder = await open(dir, 'r');
  try {
    await folder.sync();
  } finally {
    // Flushed: the caller need not wait for the descriptor's close (one thread-pool call fewer on a launch's path).
    void folder.close().catch(() => undefined);
  }
}
