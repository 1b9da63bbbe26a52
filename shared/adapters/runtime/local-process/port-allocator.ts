import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { CapacityError } from '../../../domain/errors';

function canBind(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** The range Linux takes outgoing connections' local ports from, if this system says (net.ipv4.ip_local_port_range). */
export function ephemeralPorts(file = '/proc/sys/net/ipv4/ip_local_port_range'): [number, number] | undefined {
  try {
    const [lo, hi] = readFileSync(file, 'utf8').trim().split(/\s+/).map(Number);
    return Number.isInteger(lo) && Number.isInteger(hi) ? [lo!, hi!] : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Whether sessions' ports may collide with outgoing connections' (any connection from this machine may take an
 * ephemeral port as its own between the allocator's check and the app's bind): the overlap, if any.
 */
export function overlap(
  range: readonly [number, number],
  other: readonly [number, number] | undefined,
): [number, number] | undefined {
  if (!other) return undefined;
  const lo = Math.max(range[0], other[0]);
  const hi = Math.min(range[1], other[1]);
  return lo <= hi ? [lo, hi] : undefined;
}

/**
 * Hands out ports from an inclusive range, never one that is already handed out, and never one
 * another program holds (each is test-bound first). Scans round-robin so a just-freed port is the
 * last to be reused, which keeps a stale client from reaching the next session.
 */
export class PortAllocator {
  private readonly inUse = new Set<number>();
  private next: number;

  constructor(
    private readonly host: string,
    private readonly range: readonly [number, number],
  ) {
    this.next = range[0];
  }

  async acquire(): Promise<number> {
    const [lo, hi] = this.range;
    const size = hi - lo + 1;
    for (let tried = 0; tried < size; tried++) {
      const port = this.next;
      this.next = port >= hi ? lo : port + 1;
      if (this.inUse.has(port)) continue;
      this.inUse.add(port); // reserve before the async bind test, so concurrent calls skip it
      if (await canBind(this.host, port)) return port;
      this.inUse.delete(port);
    }
    throw new CapacityError(`All ports ${lo}-${hi} are taken.`);
  }

  release(port: number): void {
    this.inUse.delete(port);
  }

  get used(): number {
    return this.inUse.size;
  }
}
