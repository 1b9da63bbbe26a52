import { chmod, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { RuntimeStartError } from '../../../domain/errors';
import type { VolumeMount } from '../../../domain/volumes';

/**
 * The folders of a session's group volumes on this machine: `<volumes dir>/<name>`, made on first use open to every
 * uid (members' containers run as their own; the bind decides read-only or not, and the data directory keeps others on
 * the host out). A folder an admin made is left as it is.
 */
export async function volumeFolders(
  dir: string | undefined,
  volumes: readonly VolumeMount[] | undefined,
): Promise<(VolumeMount & { source: string })[] | undefined> {
  if (!volumes?.length) return undefined;
  if (!dir) throw new RuntimeStartError('This server keeps no group volumes (SESSIONPLANE_VOLUMES_DIR).');
  await mkdir(dir, { recursive: true, mode: 0o711 });
  return Promise.all(
    volumes.map(async (v) => {
      const source = join(dir, v.name);
      const made = await mkdir(source, { mode: 0o777 }).then(
        () => true,
        (error: NodeJS.ErrnoException) => {
          if (error.code !== 'EEXIST') throw error;
          return false;
        },
      );
      if (made) await chmod(source, 0o777);
      return { ...v, source };
    }),
  );
}
