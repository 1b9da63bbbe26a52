import type { Principal } from './principal';

/*
 * Data shared by a group (#38: skaha's projects folder, SimPhoNy's per-app volumes, Kasm's per-group volumes): a
 * folder per project, mounted into a session of an app that names it only when its user is in one of its groups, read
 * only unless the volume says `rw`. Membership is decided once, at launch, from the caller's groups, and kept on the
 * session (a queued start, a restart, mount what was decided then).
 */

/** An app's volume: its project's name, where it is mounted, whose it is, and how. */
export interface VolumeSpec {
  name: string;
  path: string;
  groups: string[];
  mode: 'ro' | 'rw';
}

/** A volume a session mounts, as its record keeps it. */
export interface SessionVolume {
  name: string;
  mode: 'ro' | 'rw';
}

/** What a runtime mounts: the project's folder (or access point) by name, at the path, read-only or not. */
export interface VolumeMount {
  name: string;
  mountPath: string;
  readOnly: boolean;
}

/** The app's volumes the caller is a member of (none for a launch with no caller: the system's, a pool's). */
export function volumesFor(
  app: { volumes?: readonly VolumeSpec[] | undefined },
  caller: Principal | undefined,
): SessionVolume[] {
  const groups = new Set(caller?.groups ?? []);
  return (app.volumes ?? [])
    .filter((v) => v.groups.some((g) => groups.has(g)))
    .map((v) => ({ name: v.name, mode: v.mode }));
}

/** The mounts of a session's volumes, as its app places them (a volume the app no longer names is not mounted). */
export function volumeMounts(
  app: { volumes?: readonly VolumeSpec[] | undefined },
  volumes: readonly SessionVolume[] | undefined,
): VolumeMount[] {
  return (volumes ?? []).flatMap((v) => {
    const spec = app.volumes?.find((s) => s.name === v.name);
    return spec ? [{ name: v.name, mountPath: spec.path, readOnly: v.mode !== 'rw' }] : [];
  });
}
