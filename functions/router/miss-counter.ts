const WINDOW_MS = 60_000;

/**
 * Counts one address's misses (an unknown session, a wrong token) over a sliding minute, so
 * guessing ids costs the guesser 429s instead of costing the store a read each (#11 m8). The
 * sliding estimate (this minute's count plus the last minute's, weighted by how much of it is still
 * within the last 60 s, rounded up) has no edge to burst across: a fixed window let twice the limit through
 * around a minute's turn, and made the limit depend on when a burst began.
 */
export class MissCounter {
  private window = 0;
  private counts = new Map<string, number>();
  private previous = new Map<string, number>();
  constructor(
    private readonly limit: number,
    private readonly now: () => number,
  ) {}
  private roll(): number {
    const now = this.now();
    const window = Math.floor(now / WINDOW_MS);
    if (window !== this.window) {
      this.previous = window === this.window + 1 ? this.counts : new Map();
      this.counts = new Map();
      this.window = window;
    }
    return 1 - (now % WINDOW_MS) / WINDOW_MS;
  }
  over(address: string): boolean {
    const weight = this.roll();
    return (this.counts.get(address) ?? 0) + Math.ceil((this.previous.get(address) ?? 0) * weight) >= this.limit;
  }
  add(address: string): void {
    this.roll();
    this.counts.set(address, (this.counts.get(address) ?? 0) + 1);
  }
}
