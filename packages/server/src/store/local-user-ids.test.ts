import { MAX_USER_ID } from "@chatapp/protocol";
import { describe, expect, it } from "vitest";
import { firstFreeId } from "./local-user-ids.js";

/** A count over a set of taken ids given as [from, to] runs, and how often it was asked. */
function takenRuns(...runs: [number, number][]) {
  const counter = {
    queries: 0,
    count: async (lo: number, hi: number) => {
      counter.queries++;
      let n = 0;
      for (const [from, to] of runs) n += Math.max(0, Math.min(to + 1, hi) - Math.max(from, lo));
      return n;
    },
  };
  return counter;
}

describe("firstFreeId", () => {
  it("answers a free id with one query", async () => {
    const taken = takenRuns([1, 5]);
    expect(await firstFreeId(6, taken.count)).toBe(6);
    expect(taken.queries).toBe(1);
  });

  it("steps over scattered and long runs of taken ids in a few queries", async () => {
    expect(await firstFreeId(1, takenRuns([1, 2], [4, 4]).count)).toBe(3);
    const long = takenRuns([10, 1_000_009], [1_000_011, 1_000_020]);
    expect(await firstFreeId(10, long.count)).toBe(1_000_010);
    expect(long.queries).toBeLessThan(50);
    expect(await firstFreeId(1_000_011, takenRuns([10, 1_000_009], [1_000_011, 1_000_020]).count)).toBe(1_000_021);
  });

  it("answers past the bound when every id up to it is taken", async () => {
    expect(await firstFreeId(MAX_USER_ID - 3, takenRuns([MAX_USER_ID - 3, MAX_USER_ID]).count)).toBeGreaterThan(MAX_USER_ID);
  });
});
