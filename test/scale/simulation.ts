import { install } from '@sinonjs/fake-timers';
import type { Triangle } from './aws-limits';

/**
 * The simulator's clock: this process's timers and `Date` run on simulated time (fake timers), and time moves only
 * when nothing real is under way. Real work (the control plane's code, the embedded store's reads and writes) takes no
 * simulated time; what AWS would take (a DynamoDB call, ECS's start of a task, EventBridge's delivery) is a simulated
 * wait. So an hour of launches runs in as long as the control plane's code takes on this machine, and what it finds
 * does not depend on this machine's speed. `setImmediate` and `process.nextTick` stay real: the store's callbacks use
 * them.
 */
export class Simulation {
  readonly clock: ReturnType<typeof install>;
  readonly start: number;
  private busy = 0;
  private readonly random: () => number;

  constructor(options: { start: number; seed: number }) {
    this.start = options.start;
    this.clock = install({
      now: options.start,
      toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'],
    });
    this.random = mulberry32(options.seed);
  }

  now(): number {
    return this.clock.now;
  }

  /** Seconds since the simulation began. */
  elapsed(at = this.clock.now): number {
    return (at - this.start) / 1000;
  }

  /** A simulated wait. */
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
  }

  /** `fn` at simulated time `at` (epoch ms). */
  at(at: number, fn: () => void): void {
    setTimeout(fn, Math.max(0, at - this.clock.now));
  }

  /** Real work under way: time does not move until it settles. */
  async real<T>(work: () => Promise<T>): Promise<T> {
    this.busy++;
    try {
      return await work();
    } finally {
      this.busy--;
    }
  }

  /** A draw from a triangular distribution (min, mode, max), seeded: a run is reproducible. */
  triangle([min, mode, max]: Triangle): number {
    const u = this.random();
    const cut = (mode - min) / (max - min || 1);
    return u < cut
      ? min + Math.sqrt(u * (max - min) * (mode - min))
      : max - Math.sqrt((1 - u) * (max - min) * (max - mode));
  }

  uniform(min: number, max: number): number {
    return min + this.random() * (max - min);
  }

  /** Runs simulated time to `until` (epoch ms): each timer in turn, once all real work it started has settled. */
  async runUntil(until: number): Promise<void> {
    let reached = false;
    this.at(until, () => {
      reached = true;
    });
    while (!reached) {
      await this.settle();
      this.clock.next();
    }
    await this.settle();
  }

  uninstall(): void {
    this.clock.uninstall();
  }

  /** Until no real work has been under way for a few turns of the event loop. */
  private async settle(): Promise<void> {
    let quiet = 0;
    while (quiet < 3) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      quiet = this.busy === 0 ? quiet + 1 : 0;
    }
  }
}

/** A small seeded generator (mulberry32). */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
