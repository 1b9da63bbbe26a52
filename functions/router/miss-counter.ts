/**
 * Counts one address's misses (an unknown session, a wrong token) in fixed one-minute windows, so
 * guessing ids costs the guesser 429s instead of costing the store a read each (#11 m8).
 */
export class MissCounter {
  private window = 0;
  private counts = new Map<string, number>();
  constructor(
    private readonly limit: number,
    private readonly now: () => number,
  ) {}
  private roll(): void {
    const window = Math.floor(this.now() / 60_000);
    if (window !== this.window) {
      this.window = window;
      this.counts = new Map();
    }
  }
  over(address: string): boolean {
    this.roll();
    return (this.counts.get(address) ?? 0) >= this.limit;
  }
  add(address: string): void {
    this.roll();
    this.counts.set(address, (this.counts.get(address) ?? 0) + 1);
  }
}
