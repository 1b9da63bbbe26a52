import type Docker from 'dockerode';

/**
 * The CPU time (seconds, cumulative) a container has used, from one engine stats sample (`cpu_stats.cpu_usage.
 * total_usage`, nanoseconds: the Docker API's and podman's); undefined once the engine no longer has it.
 */
export async function containerCpuSeconds(docker: Docker, containerId: string): Promise<number | undefined> {
  try {
    const stats = (await docker.getContainer(containerId).stats({ stream: false })) as {
      cpu_stats?: { cpu_usage?: { total_usage?: number } };
    };
    const ns = stats.cpu_stats?.cpu_usage?.total_usage;
    return typeof ns === 'number' ? ns / 1e9 : undefined;
  } catch {
    return undefined;
  }
}
