import { createServer, type Server } from 'node:net';
import { describe, expect, it } from 'vitest';
import { ephemeralPorts, overlap, PortAllocator } from '../../shared/adapters/runtime/local-process/port-allocator';
import { CapacityError } from '../../shared/domain/errors';
import { testPortRange } from '../support/ports';

describe('PortAllocator', () => {
  it('never hands out one port twice at once, and says when all are taken', async () => {
    const [lo] = testPortRange();
    const ports = new PortAllocator('127.0.0.1', [lo, lo + 2]);
    const got = await Promise.all([ports.acquire(), ports.acquire(), ports.acquire()]);
    expect(new Set(got).size).toBe(3);
    await expect(ports.acquire()).rejects.toBeInstanceOf(CapacityError);
    ports.release(got[1]!);
    expect(await ports.acquire()).toBe(got[1]);
  });

  it('skips a port that another program holds', async () => {
    const [lo] = testPortRange();
    const other: Server = createServer();
    await new Promise<void>((r) => other.listen(lo, '127.0.0.1', r));
    try {
      const ports = new PortAllocator('127.0.0.1', [lo, lo + 1]);
      expect(await ports.acquire()).toBe(lo + 1);
      await expect(ports.acquire()).rejects.toBeInstanceOf(CapacityError);
    } finally {
      other.close();
    }
  });

  it("tells where a session port range overlaps the system's ephemeral ports (a warning at start)", () => {
    expect(overlap([9001, 9500], [32768, 60999])).toBeUndefined();
    expect(overlap([40000, 40199], [32768, 60999])).toEqual([40000, 40199]);
    expect(overlap([30000, 33000], [32768, 60999])).toEqual([32768, 33000]);
    expect(overlap([30000, 33000], undefined)).toBeUndefined();
    // This machine's, as the server reads it (Linux); none where the file is not there.
    expect(ephemeralPorts()).toEqual([expect.any(Number), expect.any(Number)]);
    expect(ephemeralPorts('/nonexistent')).toBeUndefined();
  });
});
