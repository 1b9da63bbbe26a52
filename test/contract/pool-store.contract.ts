import { describe, expect, it } from 'vitest';
import { newSessionId } from '../../shared/domain/ids';
import { ConflictError } from '../../shared/domain/errors';
import type { PoolInstance } from '../../shared/domain/pool';
import type { PoolStore } from '../../shared/ports/pool-store';

const instance = (app: string, overrides: Partial<PoolInstance> = {}): PoolInstance => ({
  id: newSessionId(),
  app,
  specHash: 'spec-1',
  state: 'STARTING',
  resources: { cpu: 1, memory: 512, gpus: 0 },
  createdAt: 1_000,
  launchDeadline: 61_000,
  expiresAt: 3_601_000,
  version: 1,
  ...overrides,
});

/**
 * What every PoolStore does (shared/ports/pool-store.ts): one conditional write per change of an
 * instance (a lost race is a ConflictError or a refused claim), counters changed one field at a
 * time, and a lease only one holder has at once. `store()` gives a fresh store over its own table.
 */
export function poolStoreContract(name: string, store: () => PoolStore): void {
  describe(`PoolStore contract: ${name}`, () => {
    it('adds an instance once, reads and lists it, and refuses a second add of its id', async () => {
      const one = instance('contract-add');
      await store().add(one);
      expect(await store().get(one.id)).toEqual(one);
      expect((await store().list()).map((i) => i.id)).toContain(one.id);
      await expect(store().add(one)).rejects.toBeInstanceOf(ConflictError);
      expect(await store().get(newSessionId())).toBeUndefined();
    });

    it('updates only from the version it was read at, and removes only that version', async () => {
      const one = instance('contract-update');
      await store().add(one);
      const ready = await store().update(one, { ...one, state: 'READY', readyAt: 2_000, version: 2 });
      expect(ready).toMatchObject({ state: 'READY', version: 2 });
      await expect(store().update(one, { ...one, state: 'READY', version: 2 })).rejects.toBeInstanceOf(ConflictError);
      expect(await store().remove(one)).toBe(false);
      expect(await store().get(one.id)).toMatchObject({ version: 2 });
      expect(await store().remove(ready)).toBe(true);
      expect(await store().get(one.id)).toBeUndefined();
    });

    it('lets exactly one of two racing claims take a READY instance', async () => {
      const one = instance('contract-claim', { state: 'READY', readyAt: 2_000 });
      await store().add(one);
      const claims = await Promise.all([store().claim(one, 3_000), store().claim(one, 3_001)]);
      expect(claims.filter(Boolean)).toHaveLength(1);
      expect(await store().get(one.id)).toMatchObject({ state: 'CLAIMED', version: 2 });
      const starting = instance('contract-claim');
      await store().add(starting);
      expect(await store().claim(starting, 3_000)).toBeUndefined();
    });

    it('counts hits and misses, pauses and resumes, one change at a time', async () => {
      const app = `contract-status-${newSessionId().slice(0, 6)}`;
      expect(await store().status(app)).toMatchObject({ app, hits: 0, misses: 0, failures: 0 });
      await Promise.all([
        store().changeStatus(app, { kind: 'hit' }),
        store().changeStatus(app, { kind: 'hit' }),
        store().changeStatus(app, { kind: 'miss' }),
      ]);
      expect(await store().status(app)).toMatchObject({ hits: 2, misses: 1 });
      await store().changeStatus(app, { kind: 'pause', by: 'admin', at: 5, reason: 'maintenance' });
      expect((await store().status(app)).paused).toEqual({ by: 'admin', at: 5, reason: 'maintenance' });
      await store().changeStatus(app, { kind: 'resume' });
      expect((await store().status(app)).paused).toBeUndefined();
      expect((await store().statuses()).map((s) => s.app)).toContain(app);
    });

    it('leases an app to one holder until it is released or runs out', async () => {
      const app = `contract-lease-${newSessionId().slice(0, 6)}`;
      expect(await store().lease(app, 'a', 1_000, 2_000)).toBe(true);
      expect(await store().lease(app, 'b', 1_500, 2_500)).toBe(false);
      expect(await store().lease(app, 'a', 1_500, 3_000)).toBe(true); // its holder renews it
      expect(await store().lease(app, 'b', 3_001, 4_000)).toBe(true); // run out: another takes it
      await store().release(app, 'a'); // not the holder: nothing changes
      expect(await store().lease(app, 'a', 3_500, 5_000)).toBe(false);
      await store().release(app, 'b');
      expect(await store().lease(app, 'a', 3_500, 5_000)).toBe(true);
    });
  });
}
