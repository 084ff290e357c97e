/**
 * Token buckets by key (a user, a connection): `perSecond` tokens a second, up to `burst`
 * saved. A rate of 0 means no limit. Buckets that have refilled are forgotten by `sweep`,
 * so memory follows the number of recently active keys, not of all keys ever seen.
 */
export class RateLimiter<K> {
  private readonly buckets = new Map<K, { tokens: number; at: number }>();

  constructor(
    readonly perSecond: number,
    readonly burst: number,
  ) {}

  /** Takes one token; false when there is none (over the limit). */
  take(key: K, now = performance.now()): boolean {
    return this.takeMany(key, 1, now);
  }

  /**
   * Takes `count` tokens at once, or none: false when fewer are left (an action that fans
   * out to `count` users costs `count`). More than `burst` is never granted.
   */
  takeMany(key: K, count: number, now = performance.now()): boolean {
    if (this.perSecond <= 0 || count <= 0) return true;
    const bucket = this.buckets.get(key);
    if (!bucket) {
      if (count > this.burst) return false;
      this.buckets.set(key, { tokens: this.burst - count, at: now });
      return true;
    }
    bucket.tokens = Math.min(this.burst, bucket.tokens + ((now - bucket.at) / 1000) * this.perSecond);
    bucket.at = now;
    if (bucket.tokens < count) return false;
    bucket.tokens -= count;
    return true;
  }

  /** Milliseconds until `key` has `count` tokens again (0 if it has them). */
  retryAfterMs(key: K, now = performance.now(), count = 1): number {
    const bucket = this.buckets.get(key);
    if (!bucket || this.perSecond <= 0) return 0;
    const tokens = bucket.tokens + ((now - bucket.at) / 1000) * this.perSecond;
    return tokens >= count ? 0 : Math.ceil(((count - tokens) / this.perSecond) * 1000);
  }

  forget(key: K): void {
    this.buckets.delete(key);
  }

  /** Forgets buckets that would be full by now. */
  sweep(now = performance.now()): void {
    for (const [key, bucket] of this.buckets) {
      if (bucket.tokens + ((now - bucket.at) / 1000) * this.perSecond >= this.burst) this.buckets.delete(key);
    }
  }

  get size(): number {
    return this.buckets.size;
  }
}
