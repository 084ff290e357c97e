import { describe, expect, it } from "vitest";
import { BatchedLookup } from "./batched-lookup.js";

describe("BatchedLookup", () => {
  it("answers the questions of one turn with one lookup, a shared key once", async () => {
    const lookups: number[][] = [];
    const stored = new Set(["2", "4"]);
    const lookup = new BatchedLookup<number>(String, async (qs) => {
      lookups.push(qs);
      return new Set(qs.map(String).filter((k) => stored.has(k)));
    });
    const answers = await Promise.all([1, 2, 3, 4, 2].map((q) => lookup.has(q)));
    expect(answers).toEqual([false, true, false, true, true]);
    expect(lookups).toEqual([[1, 2, 3, 4]]);
  });

  it("gathers what is asked during a lookup into the next one, at most maxBatch each", async () => {
    const lookups: number[][] = [];
    let release: () => void = () => {};
    const lookup = new BatchedLookup<number>(
      String,
      async (qs) => {
        lookups.push(qs);
        if (lookups.length === 1) await new Promise<void>((resolve) => (release = resolve));
        return new Set<string>();
      },
      2,
    );
    const first = lookup.has(1);
    await new Promise((resolve) => setImmediate(resolve));
    const later = [2, 3, 4].map((q) => lookup.has(q));
    release();
    await Promise.all([first, ...later]);
    expect(lookups).toEqual([[1], [2, 3], [4]]);
  });

  it("fails every question of a failed lookup, and goes on with the next", async () => {
    let fail = true;
    const lookup = new BatchedLookup<number>(String, async (qs) => {
      if (fail) throw new Error("database gone");
      return new Set(qs.map(String));
    });
    const failed = await Promise.allSettled([lookup.has(1), lookup.has(2)]);
    expect(failed.map((r) => r.status)).toEqual(["rejected", "rejected"]);
    fail = false;
    expect(await lookup.has(3)).toBe(true);
  });
});
