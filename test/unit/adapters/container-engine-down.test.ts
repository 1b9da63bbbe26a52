import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { describe, expect, it } from 'vitest';
import { ContainerRuntime } from '../../../shared/adapters/runtime/container/container-runtime';
import { CapacityError } from '../../../shared/domain/errors';
import { containerFixtureApp } from '../../support/container-engine';
import { makeSession } from '../../support/sessions';

describe('container runtime with an engine that does not answer', () => {
  it('refuses a start as busy (503, retry) within seconds, never hangs, and starts nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sp-noengine-'));
    const runtime = new ContainerRuntime({
      docker: new Docker({ socketPath: join(dir, 'no-engine.sock') }),
      plane: 'x',
      logDir: dir,
      stopGraceMs: 1000,
    });
    const t0 = Date.now();
    await expect(
      runtime.start({ session: makeSession(), app: containerFixtureApp([]), secret: 's' }),
    ).rejects.toBeInstanceOf(CapacityError);
    // Never hangs: refused within seconds (ample for a loaded machine).
    expect(Date.now() - t0).toBeLessThan(30_000);
    await runtime.stopAll('test');
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('fails a listing the engine never answers (a socket that accepts and hangs) in bounded time, so a reaper pass cannot stall', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sp-hangengine-'));
    const sockets = new Set<Socket>();
    const server = createServer((socket) => sockets.add(socket.on('error', () => undefined)));
    const path = join(dir, 'hang.sock');
    await new Promise<void>((r) => server.listen(path, r));
    const runtime = new ContainerRuntime({
      docker: new Docker({ socketPath: path }),
      plane: 'x',
      logDir: dir,
      stopGraceMs: 1000,
    });
    const t0 = Date.now();
    await expect(runtime.list()).rejects.toThrow('the container engine listing its containers took longer than');
    expect(Date.now() - t0).toBeLessThan(30_000);
    await runtime.stopAll('test');
    for (const socket of sockets) socket.destroy();
    await new Promise((r) => server.close(r));
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);
});
