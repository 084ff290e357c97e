import { describe, expect, it } from "vitest";
import { FIRST_RETRY_MS, MAX_RETRY_MS, retryDelayMs } from "./backoff.js";

// The production schedule (webhooks.test.ts sees its shape end to end at a shorter scale).
describe("webhook retry backoff", () => {
  const at = (r: number) => () => r;

  it("starts at 1 s and doubles with each failure", () => {
    expect(FIRST_RETRY_MS).toBe(1000);
    expect([1, 2, 3, 4, 5].map((n) => retryDelayMs(n, at(0.5)))).toEqual([1000, 2000, 4000, 8000, 16_000]);
  });

  it("jitters each delay within ±20 %", () => {
    expect(retryDelayMs(1, at(0))).toBe(800);
    expect(retryDelayMs(1, at(1))).toBe(1200);
    expect(retryDelayMs(3, at(0))).toBe(3200);
    expect(retryDelayMs(3, at(1))).toBe(4800);
  });

  it("never waits more than 15 min, however many failures", () => {
    expect(MAX_RETRY_MS).toBe(15 * 60_000);
    for (const n of [11, 12, 40, 1000, Number.MAX_SAFE_INTEGER]) {
      expect(retryDelayMs(n, at(1))).toBe(MAX_RETRY_MS);
      expect(retryDelayMs(n, at(0))).toBe(0.8 * MAX_RETRY_MS);
    }
  });

  it("treats a count below 1 as the first failure", () => {
    expect(retryDelayMs(0, at(0.5))).toBe(1000);
    expect(retryDelayMs(-3, at(0.5))).toBe(1000);
  });

  it("scales from another first delay (the tests' shorter schedule), same shape", () => {
    expect([1, 2, 3].map((n) => retryDelayMs(n, at(0.5), 200))).toEqual([200, 400, 800]);
  });
});
