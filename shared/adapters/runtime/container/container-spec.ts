import type Docker from 'dockerode';
import { localSecrets } from '../local-secrets';
import { sessionEnvOf } from '../../../domain/command';
import { sessionArgv } from '../../../domain/jobs';
import { sessionBasePath } from '../../../domain/urls';
import type { StartRequest } from '../../../ports/runtime';
import type { VolumeMount } from '../../../domain/volumes';

/**
 * Labels on every session container: which server's (a tag of its data directory), which session,
 * whose, which app. `list`, the orphan sweep and a restarted server find containers by them.
 * (`org.sessionplane.session.*`, apart from the image labels that describe an app.)
 */
export const CONTAINER_LABELS = {
  plane: 'org.sessionplane.session.plane',
  session: 'org.sessionplane.session.id',
  owner: 'org.sessionplane.session.owner',
  app: 'org.sessionplane.session.app',
} as const;

/** One name per session: a second create for it is a conflict, never a second container. */
const containerName = (sessionId: string) => `sessionplane-${sessionId}`;

export interface ContainerSpecInput extends Omit<StartRequest, 'volumes'> {
  /** The group volumes its owner is a member of, each with its folder on this machine. */
  volumes?: (VolumeMount & { source: string })[] | undefined;
  /** This server's tag (CONTAINER_LABELS.plane). */
  plane: string;
  /** An engine network to join instead of the default. */
  network?: string | undefined;
  /** Where apps' `env:` secrets are read from (the server's environment). */
  secretEnv?: Readonly<Record<string, string | undefined>>;
}

/**
 * The engine's create request for a session: the app's image (or the launch's own), its command
 * with the placeholders filled in (or the image's own), the same variables a process session gets,
 * its port published on 127.0.0.1 only at a port the engine picks, memory and CPU limits, GPUs as
 * device requests, and no privilege gained after start.
 */
export function containerSpec(input: ContainerSpecInput): Docker.ContainerCreateOptions {
  const { session, app, secret } = input;
  const image = session.image ?? app.image;
  if (!image) throw new Error(`app ${app.name} has no image`);
  const port = app.containerPort;
  const basePath = sessionBasePath(session.id);
  const host = '0.0.0.0';
  const vars = { ...session.params, host, port: String(port), secret, id: session.id, basePath, image };
  const env = containerEnv(input, { port, basePath, host });
  const home = input.home?.home.path ? input.home : undefined;
  const memoryBytes = session.resources.memory * 1024 * 1024;
  return {
    name: containerName(session.id),
    Image: image,
    ...(app.command.length || session.command ? { Cmd: sessionArgv(app.command, session.command, vars) } : {}),
    // A home app runs as its owner's uid and gid, which own the home folder: its files are theirs;
    // one without a home as its owner's too, where sessions get one (never the image's root).
    ...(home
      ? { User: `${home.home.uid}:${home.home.gid}` }
      : session.runAs
        ? { User: `${session.runAs.uid}:${session.runAs.gid}` }
        : {}),
    Env: Object.entries(env).map(([k, v]) => `${k}=${v}`),
    Labels: {
      [CONTAINER_LABELS.plane]: input.plane,
      [CONTAINER_LABELS.session]: session.id,
      [CONTAINER_LABELS.owner]: session.owner,
      [CONTAINER_LABELS.app]: app.name,
    },
    ExposedPorts: { [`${port}/tcp`]: {} },
    HostConfig: {
      PortBindings: { [`${port}/tcp`]: [{ HostIp: '127.0.0.1', HostPort: '' }] },
      Memory: memoryBytes,
      // No swap beyond the limit: a session over its memory is stopped, not slowed to a crawl.
      MemorySwap: memoryBytes,
      NanoCpus: Math.round(session.resources.cpu * 1e9),
      PidsLimit: 4096,
      // A minimal init as PID 1 (docker-init, podman's catatonit): the app gets SIGTERM as it would
      // outside a container (a PID 1 without handlers ignores it), and its zombies are reaped.
      Init: true,
      SecurityOpt: ['no-new-privileges'],
      CapDrop: ['NET_RAW', 'MKNOD', 'AUDIT_WRITE'],
      ReadonlyRootfs: app.readOnlyRootFilesystem,
      ...(app.readOnlyRootFilesystem ? { Tmpfs: { '/tmp': 'rw,nosuid,nodev,size=256m' } } : {}),
      ...(session.resources.gpus > 0
        ? { DeviceRequests: [{ Driver: '', Count: session.resources.gpus, Capabilities: [['gpu']] }] }
        : {}),
      ...(input.network ? { NetworkMode: input.network } : {}),
      ...(home || input.volumes?.length
        ? {
            Binds: [
              ...(home ? [`${home.home.path}:${home.mountPath}:rw`] : []),
              ...(input.volumes ?? []).map((v) => `${v.source}:${v.mountPath}:${v.readOnly ? 'ro' : 'rw'}`),
            ],
          }
        : {}),
    },
  };
}

/** What a session container's environment holds: what every session gets, where it listens, its image and home. */
function containerEnv(input: ContainerSpecInput, at: { port: number; basePath: string; host: string }) {
  const { session, app, secret } = input;
  return {
    ...sessionEnvOf(session, app, {
      port: at.port,
      secret,
      basePath: at.basePath,
      homePath: input.home?.mountPath,
      activityUrl: input.activityUrl && fromInside(input.activityUrl),
    }),
    HOST: at.host,
    ...localSecrets(app, input.secretEnv ?? {}, session.groupSecrets),
    ...(session.image ? { SESSION_IMAGE: session.image } : {}),
    ...(input.home ? { HOME: input.home.mountPath } : {}),
  };
}

/** The host port the engine published for the app's port, from an inspect. */
export function publishedPort(info: Docker.ContainerInspectInfo, port: number): number | undefined {
  const bindings = info.NetworkSettings?.Ports?.[`${port}/tcp`];
  const hostPort =
    bindings?.find((b) => b.HostIp === '127.0.0.1' || b.HostIp === '')?.HostPort ?? bindings?.[0]?.HostPort;
  return hostPort ? Number(hostPort) : undefined;
}

/** The host's loopback as a container reaches it: the engine's name for its host (podman's, Docker Desktop's). */
function fromInside(url: string): string {
  const u = new URL(url);
  if (['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname)) u.hostname = 'host.containers.internal';
  return u.toString();
}
