import { existsSync } from 'node:fs';
import Docker from 'dockerode';
import pTimeout from 'p-timeout';
import { RuntimeStartError } from '../../../domain/errors';
import { statusCode } from './container-instance';
import { CONTAINER_LABELS } from './container-spec';

/** Where engines listen by default: Docker's socket, then rootful Podman's (rootless Podman: set DOCKER_HOST). */
const DEFAULT_SOCKETS = ['/var/run/docker.sock', '/run/podman/podman.sock'];

/**
 * The container engine to use: the configured address (`unix:///path`, `/path`, `tcp://host:port`),
 * or a default socket that exists; none for `none` or when nothing is there.
 */
export function containerEngine(configured: string | undefined): { docker: Docker; address: string } | undefined {
  if (configured === 'none') return undefined;
  const address = configured ?? DEFAULT_SOCKETS.find((path) => existsSync(path));
  if (!address) return undefined;
  if (address.startsWith('tcp://')) {
    const url = new URL(address.replace(/^tcp:/, 'http:'));
    return { docker: new Docker({ host: url.hostname, port: Number(url.port || 2375), protocol: 'http' }), address };
  }
  const socketPath = address.replace(/^unix:\/\//, '');
  return { docker: new Docker({ socketPath }), address };
}

/** Whether the engine answers, within `timeoutMs`. */
export function engineAnswers(docker: Docker, timeoutMs = 2000): Promise<boolean> {
  return pTimeout(docker.ping(), {
    milliseconds: timeoutMs,
    message: `the container engine took longer than ${timeoutMs} ms`,
  }).then(
    () => true,
    () => false,
  );
}

/** Creates a session's container; the engine's refusals in words a user can act on. */
export async function createSessionContainer(
  docker: Docker,
  spec: Docker.ContainerCreateOptions,
  image: string,
  sessionId: string,
): Promise<Docker.Container> {
  try {
    return await docker.createContainer(spec);
  } catch (error) {
    if (statusCode(error) === 404)
      throw new RuntimeStartError(`Image ${image} is not on this machine's container engine.`, { cause: error });
    if (statusCode(error) === 409)
      throw new RuntimeStartError(`A container for session ${sessionId} already exists.`, { cause: error });
    throw new RuntimeStartError(`The container engine refused the session: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

/**
 * The containers of this plane (running or not), within `withinMs`: a reaper pass waits on this,
 * and an engine that hangs must fail the pass, not stall every later one.
 */
export function planeContainers(docker: Docker, plane: string, withinMs: number): Promise<Docker.ContainerInfo[]> {
  return pTimeout(docker.listContainers({ all: true, filters: { label: [`${CONTAINER_LABELS.plane}=${plane}`] } }), {
    milliseconds: withinMs,
    message: `the container engine listing its containers took longer than ${withinMs} ms`,
  });
}
