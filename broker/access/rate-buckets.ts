// Token buckets by key (a client address): each key may spend `burst` at once and gets `perSecond`
// back every second. Bounded: past maxKeys the fullest buckets (the quietest clients, who lose
// nothing by starting afresh) are dropped first, so many addresses cannot grow it without limit.
// On the monotonic clock.

type Bucket = { tokens: number; at: number };

export class RateBuckets {
  private readonly burst: number;
  private readonly perSecond: number;
  private readonly maxKeys: number;
  private readonly buckets = new Map<string, Bucket>();
  private readonly now: () => number;

  constructor(burst: number, perSecond: number, options: { maxKeys?: number; now?: () => number } = {}) {
    this.burst = burst;
    this.perSecond = perSecond;
    this.maxKeys = options.maxKeys ?? 100_000;
    this.now = options.now ?? (() => performance.now());
  }

  /** Spends cost for key; 0 when it could, else the seconds until it can. */
  take(key: string, cost = 1): number {
    const now = this.now();
    const bucket = this.buckets.get(key) ?? { tokens: this.burst, at: now };
    bucket.tokens = Math.min(this.burst, bucket.tokens + ((now - bucket.at) / 1000) * this.perSecond);
    bucket.at = now;
    if (!this.buckets.has(key)) {
      if (this.buckets.size >= this.maxKeys) this.dropFullest();
      this.buckets.set(key, bucket);
    }
    if (bucket.tokens >= cost) {
      bucket.tokens -= cost;
      return 0;
    }
    return Math.ceil((cost - bucket.tokens) / this.perSecond);
  }

  private dropFullest(): void {
    const now = this.now();
    for (const [key, bucket] of this.buckets) if (bucket.tokens + ((now - bucket.at) / 1000) * this.perSecond >= this.burst) this.buckets.delete(key);
    // Nobody is idle: make room by the oldest entry.
    if (this.buckets.size >= this.maxKeys) this.buckets.delete(this.buckets.keys().next().value as string);
  }
}
