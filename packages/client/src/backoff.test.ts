import { describe, expect, it } from "vitest";
import { backoffDelay } from "./backoff.js";

const options = { initialMs: 100, maxMs: 5000, factor: 2 };

describe("backoffDelay", () => {
  it("grows exponentially up to the cap (at the top of the jitter range)", () => {
    const top = () => 1;
    expect([1, 2, 3, 4, 5, 6, 7, 10].map((a) => backoffDelay(a, options, top))).toEqual([
      100, 200, 400, 800, 1600, 3200, 5000, 5000,
    ]);
  });

  it("jitters uniformly between zero and the cap", () => {
    expect(backoffDelay(3, options, () => 0)).toBe(0);
    expect(backoffDelay(3, options, () => 0.5)).toBe(200);
    const samples = Array.from({ length: 1000 }, () => backoffDelay(10, options));
    expect(Math.min(...samples)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...samples)).toBeLessThanOrEqual(5000);
    expect(new Set(samples).size).toBeGreaterThan(100);
  });
});
