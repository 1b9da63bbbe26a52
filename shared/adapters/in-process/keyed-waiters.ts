/**
 * Waiters by key, woken all at once: what a notifying adapter hands out when this process sees
 * every write (the local server), so a waiter wakes the moment its record changes.
 */
export class KeyedWaiters {
  private readonly waiters = new Map<string, Set<() => void>>();

  /** Resolves when `key` is woken, or after `timeoutMs`, whichever is first. */
  next(key: string, timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      let set = this.waiters.get(key);
      if (!set) {
        set = new Set();
        this.waiters.set(key, set);
      }
      const wake = () => {
        clearTimeout(timer);
        set.delete(wake);
        if (set.size === 0 && this.waiters.get(key) === set) this.waiters.delete(key);
        resolve();
      };
      const timer = setTimeout(wake, timeoutMs);
      set.add(wake);
    });
  }

  wake(key: string): void {
    const set = this.waiters.get(key);
    if (set) for (const wake of [...set]) wake();
  }
}
