import type { PoolInstance, PoolStatus } from '../../domain/pool';
import { ConflictError } from '../../domain/errors';
import type { PoolStatusChange, PoolStore } from '../../ports/pool-store';

/**
 * A pool store that keeps every instance and status it has read or written, for a process that is
 * the store's only writer (the local server and its embedded store): a launch then finds the
 * pool's ready instances without a query, and only its claim (a conditional write) goes to the
 * store. Every write passes through here, so the copy is never behind; a failed conditional write
 * drops what it knew of that instance (the next read goes to the store).
 */
export class CachedPoolStore implements PoolStore {
  private instances: Map<string, PoolInstance> | undefined;
  private readonly statusOf = new Map<string, PoolStatus>();

  constructor(private readonly inner: PoolStore) {}

  private async all(): Promise<Map<string, PoolInstance>> {
    this.instances ??= new Map((await this.inner.list()).map((i) => [i.id, i]));
    return this.instances;
  }

  async add(instance: PoolInstance): Promise<void> {
    await this.inner.add(instance);
    (await this.all()).set(instance.id, instance);
  }

  async get(id: string): Promise<PoolInstance | undefined> {
    return (await this.all()).get(id);
  }

  async list(): Promise<PoolInstance[]> {
    return [...(await this.all()).values()];
  }

  private async forget<T>(id: string, write: Promise<T>): Promise<T> {
    try {
      return await write;
    } catch (error) {
      if (error instanceof ConflictError) {
        const current = error.current as PoolInstance | undefined;
        const all = await this.all();
        if (current) all.set(id, current);
        else all.delete(id);
      } else this.instances = undefined;
      throw error;
    }
  }

  async update(current: PoolInstance, next: PoolInstance): Promise<PoolInstance> {
    const written = await this.forget(current.id, this.inner.update(current, next));
    (await this.all()).set(current.id, written);
    return written;
  }

  async remove(current: PoolInstance): Promise<boolean> {
    const removed = await this.inner.remove(current);
    const all = await this.all();
    if (removed) all.delete(current.id);
    else {
      const stored = await this.inner.get(current.id);
      if (stored) all.set(current.id, stored);
      else all.delete(current.id);
    }
    return removed;
  }

  async claim(instance: PoolInstance, at: number): Promise<PoolInstance | undefined> {
    const claimed = await this.inner.claim(instance, at);
    const all = await this.all();
    if (claimed) all.set(instance.id, claimed);
    else {
      const stored = await this.inner.get(instance.id);
      if (stored) all.set(instance.id, stored);
      else all.delete(instance.id);
    }
    return claimed;
  }

  async status(app: string): Promise<PoolStatus> {
    const known = this.statusOf.get(app);
    if (known) return known;
    const status = await this.inner.status(app);
    this.statusOf.set(app, status);
    return status;
  }

  async statuses(): Promise<PoolStatus[]> {
    const all = await this.inner.statuses();
    for (const s of all) this.statusOf.set(s.app, s);
    return all;
  }

  async changeStatus(app: string, change: PoolStatusChange): Promise<PoolStatus> {
    try {
      const status = await this.inner.changeStatus(app, change);
      this.statusOf.set(app, status);
      return status;
    } catch (error) {
      this.statusOf.delete(app);
      throw error;
    }
  }

  lease(app: string, holder: string, now: number, until: number): Promise<boolean> {
    return this.inner.lease(app, holder, now, until);
  }

  release(app: string, holder: string): Promise<void> {
    return this.inner.release(app, holder);
  }
}
