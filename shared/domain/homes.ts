import { createHash } from 'node:crypto';

/** Per-user uids and gids start here: above every system and login range, below 2^31. */
export const HOME_UID_BASE = 200_000;

/**
 * A user's home folder name: file-system safe for any owner string (an e-mail address, an OIDC
 * subject, anything up to 256 characters), and collision-free: a readable part, then a hash of the
 * whole owner. `Alice@Example.org` → `alice_example.org-5f1c2a0b9e3d`.
 */
export function homeName(owner: string): string {
  const readable =
    owner
      .toLowerCase()
      .replace(/[^a-z0-9._-]/g, '_')
      .replace(/^[.]+/, '_')
      .slice(0, 40) || 'user';
  return `${readable}-${createHash('sha256').update(owner).digest('hex').slice(0, 12)}`;
}

/** A unix-safe user name for `USER`: the owner's local part, lower-case, `[a-z_][a-z0-9_-]*`, at most 32. */
export function unixUserName(owner: string): string {
  const local = owner
    .split('@')[0]!
    .toLowerCase()
    .replace(/[^a-z0-9_-]/g, '_');
  const name = /^[a-z_]/.test(local) ? local : `u${local}`;
  return name.slice(0, 32) || 'user';
}

/** Whom a session runs for, and as whom (a per-user uid and gid, allocated once). */
interface RunAs {
  uid: number;
  gid: number;
}

/** A user's home: where it is (a folder here, an EFS access point on AWS) and whose it is. */
export interface Home extends RunAs {
  owner: string;
  /** On one machine: the folder. */
  path?: string;
  /** On AWS: the user's EFS access point. */
  accessPointId?: string;
}

/** A home as an admin lists it. */
export interface HomeInfo extends Home {
  /** On one machine: the bytes in it. */
  sizeBytes?: number;
}

/** What a session of a `home` app gets: the user's home, mounted at the app's path. */
export interface HomeMount {
  home: Home;
  /** Where it appears inside the session (a container's or task's path; a process gets the folder itself). */
  mountPath: string;
}
