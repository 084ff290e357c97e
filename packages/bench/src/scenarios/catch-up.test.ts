import { describe, expect, it } from "vitest";
import { spread } from "./catch-up.js";

describe("catch-up spread", () => {
  it("gives every conversation its 1/k share, exactly the messages asked for in all", () => {
    const counts = spread(10_000, 50);
    expect(counts).toHaveLength(50);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(10_000);
    expect(counts.slice(0, 3)).toEqual([2232, 1106, 738]);
    for (let k = 1; k < counts.length; k++) expect(counts[k]).toBeLessThanOrEqual(counts[k - 1] as number);
  });

  it("gives each conversation one message at least, and refuses fewer messages than conversations", () => {
    expect(spread(3, 3)).toEqual([1, 1, 1]);
    expect(spread(60, 50).every((n) => n >= 1)).toBe(true);
    expect(() => spread(2, 3)).toThrow(/cannot cover/);
  });
});
