import { prunePools, tendPools, type KeeperOptions, type PoolDeps, type TendSummary } from './pool-keeper';

/**
 * The keeper in a long-lived process (the local server): a pass at once when poked (a claim, an
 * instance ready or gone), and one every `intervalMs` (ttl, schedule windows, backoff ends). Passes
 * never overlap; a poke during a pass runs one more after it. Off the request path: a poke returns at once.
 */
export class PoolLoop {
  private running: Promise<void> | undefined;
  private again = false;
  private timer: NodeJS.Timeout | undefined;
  private pending: NodeJS.Timeout | undefined;
  private readonly deferred = new Set<Promise<unknown>>();
  private closed = false;
  private shortUntil = 0;
  /** Resolves after each pass (tests, the benchmark). */
  private readonly passListeners = new Set<(summary: TendSummary) => void>();

  constructor(
    private readonly deps: PoolDeps,
    private readonly options: Omit<KeeperOptions, 'capacityShortUntil'> & {
      intervalMs: number;
      capacityWaitMs: number;
      pokeDelayMs: number;
    },
  ) {}

  /**
   * Puts the records right against the runtime first (what a restart left: nothing is reported
   * ready that is not), then fills, off the caller's path, and the timer runs.
   */
  async start(): Promise<void> {
    await prunePools(this.deps, { ...this.options, checkRuntime: true });
    this.pass(false);
    this.timer = setInterval(() => this.now(true), this.options.intervalMs);
    this.timer.unref();
  }

  /**
   * A pass soon: after `pokeDelayMs`, so the launch that claimed an instance (and its first
   * request through the router) goes before the replacement's start, and a burst of claims makes
   * one pass. `checkRuntime`: also compare the records with the runtime's instances (the timer's passes).
   */
  poke(checkRuntime = false): void {
    if (this.closed || this.pending) return;
    this.pending = setTimeout(() => {
      this.pending = undefined;
      this.now(checkRuntime);
    }, this.options.pokeDelayMs);
    this.pending.unref();
  }

  private now(checkRuntime: boolean): void {
    if (this.closed) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.pass(checkRuntime);
  }

  /** Runs `work` after the poke delay (a claim's event and count: after the reply and its first request). */
  defer(work: () => Promise<unknown>): void {
    const done: Promise<unknown> = new Promise<void>((resolve) => setTimeout(resolve, this.options.pokeDelayMs).unref())
      .then(work)
      .catch((error: unknown) => this.deps.logger.warn({ err: (error as Error).message }, 'pool bookkeeping failed'))
      .finally(() => this.deferred.delete(done));
    this.deferred.add(done);
  }

  /** A user launch found no capacity: refills wait a while, so users come first. */
  capacityShort(): void {
    this.shortUntil = this.deps.clock.now() + this.options.capacityWaitMs;
  }

  /** Resolves with the summary of the next pass that ends. */
  nextPass(): Promise<TendSummary> {
    return new Promise((resolve) => {
      const once = (summary: TendSummary) => {
        this.passListeners.delete(once);
        resolve(summary);
      };
      this.passListeners.add(once);
    });
  }

  private pass(checkRuntime: boolean): void {
    this.running = tendPools(this.deps, { ...this.options, checkRuntime, capacityShortUntil: () => this.shortUntil })
      .then((summary) => {
        for (const listener of [...this.passListeners]) listener(summary);
      })
      .catch((error: unknown) => this.deps.logger.error({ err: (error as Error).message }, 'pool keeper pass failed'))
      .finally(() => {
        this.running = undefined;
        if (this.again && !this.closed) {
          this.again = false;
          this.pass(false);
        }
      });
  }

  /** Stops passes; resolves once the one in flight has ended. */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    clearTimeout(this.pending);
    while (this.running) await this.running;
    await Promise.allSettled([...this.deferred]);
  }
}
