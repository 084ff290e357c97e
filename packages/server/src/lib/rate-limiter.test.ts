import { describe, expect, it } from "vitest";
import { RateLimiter } from "./rate-limiter.js";

describe("RateLimiter", () => {
  it("allows a burst, then the rate, per key", () => {
    const limiter = new RateLimiter<string>(2, 3);
    const t = 1000;
    expect([1, 2, 3, 4].map(() => limiter.take("a", t))).toEqual([true, true, true, false]);
    expect(limiter.take("b", t)).toBe(true); // keys are apart
    expect(limiter.retryAfterMs("a", t)).toBe(500);
    expect(limiter.take("a", t + 499)).toBe(false);
    expect(limiter.take("a", t + 1000)).toBe(true); // 2 per second: one more after half a second
  });

  it("never saves more than the burst, and forgets full buckets", () => {
    const limiter = new RateLimiter<string>(10, 2);
    limiter.take("a", 0);
    expect([1, 2, 3].map(() => limiter.take("a", 60_000))).toEqual([true, true, false]);
    limiter.sweep(120_000);
    expect(limiter.size).toBe(0);
  });

  it("does not limit at a rate of 0", () => {
    const limiter = new RateLimiter<string>(0, 0);
    for (let i = 0; i < 1000; i++) expect(limiter.take("a", 0)).toBe(true);
    expect(limiter.size).toBe(0);
  });

  it("takes several tokens at once or none, and never more than the burst", () => {
    const limiter = new RateLimiter<string>(1, 10);
    expect(limiter.takeMany("a", 11, 0)).toBe(false);
    expect(limiter.takeMany("a", 8, 0)).toBe(true);
    expect(limiter.takeMany("a", 3, 0)).toBe(false); // two left: nothing is taken
    expect(limiter.retryAfterMs("a", 0, 3)).toBe(1000);
    expect(limiter.takeMany("a", 2, 0)).toBe(true);
    expect(limiter.takeMany("a", 3, 3000)).toBe(true);
  });
});
