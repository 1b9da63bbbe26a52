import { createServer } from 'node:net';
import { CapacityError } from '../../../domain/errors';

function canBind(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(true)));
  });
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
