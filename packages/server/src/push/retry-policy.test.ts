import { describe, expect, it } from "vitest";
import { MAX_RETRY_AFTER_MS, MIN_RETRY_MS, nextAttemptDelayMs, parseRetryAfter } from "./retry-policy.js";

describe("push retry policy", () => {
  const now = Date.parse("2026-12-03T10:00:00.000Z");

  it("reads Retry-After as seconds or as an HTTP-date", () => {
    expect(parseRetryAfter("7", now)).toBe(7000);
    expect(parseRetryAfter(" 0 ", now)).toBe(0);
    expect(parseRetryAfter("Thu, 03 Dec 2026 10:00:30 GMT", now)).toBe(30_000);
    // A date in the past means now.
    expect(parseRetryAfter("Thu, 03 Dec 2026 09:00:00 GMT", now)).toBe(0);
    expect(parseRetryAfter(["5", "9"], now)).toBe(5000);
  });

  it("ignores an absent or unreadable Retry-After", () => {
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
    expect(parseRetryAfter("", now)).toBeUndefined();
    expect(parseRetryAfter("soon", now)).toBeUndefined();
    expect(parseRetryAfter("-3", now)).toBeUndefined();
    expect(parseRetryAfter("1.5", now)).toBeUndefined();
  });

  it("waits what the push service asked, within bounds; else backs off from 1 s, doubling", () => {
    expect(nextAttemptDelayMs(1, 3000)).toBe(3000);
    expect(nextAttemptDelayMs(1, 0)).toBe(MIN_RETRY_MS);
    expect(nextAttemptDelayMs(1, 24 * 3600_000)).toBe(MAX_RETRY_AFTER_MS);
    const first = nextAttemptDelayMs(1, undefined);
    expect(first).toBeGreaterThanOrEqual(800);
    expect(first).toBeLessThanOrEqual(1200);
    const fourth = nextAttemptDelayMs(4, undefined);
    expect(fourth).toBeGreaterThanOrEqual(6400);
    expect(fourth).toBeLessThanOrEqual(9600);
    expect(nextAttemptDelayMs(40, undefined)).toBeLessThanOrEqual(15 * 60_000);
  });
});
