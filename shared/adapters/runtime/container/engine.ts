import { existsSync } from 'node:fs';
import Docker from 'dockerode';
import pTimeout from 'p-timeout';

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
