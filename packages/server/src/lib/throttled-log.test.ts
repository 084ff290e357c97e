import { afterEach, describe, expect, it, vi } from "vitest";
import { throttledErrorLog } from "./throttled-log.js";

describe("throttledErrorLog", () => {
  afterEach(() => vi.useRealTimers());

  it("reports the first error of a kind, then at most one per interval with a count", () => {
    vi.useFakeTimers();
    const lines: string[] = [];
    const report = throttledErrorLog((_err, message) => lines.push(message), 1000);
    for (let i = 0; i < 5; i++) report(new Error("x"), "batch failed");
    report(new Error("y"), "other");
    vi.advanceTimersByTime(1001);
    report(new Error("x"), "batch failed");
    expect(lines).toEqual(["batch failed", "other", "batch failed (and 4 more like it since the last report)"]);
  });
});
