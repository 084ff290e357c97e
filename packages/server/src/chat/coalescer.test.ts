import { describe, expect, it } from "vitest";
import { Coalescer } from "./coalescer.js";

describe("Coalescer", () => {
  it("merges items by key and flushes what gathered during a flush in the next one", async () => {
    const flushed: [string, number][][] = [];
    const c = new Coalescer<string, number>(
      async (items) => {
        flushed.push([...items]);
        await new Promise((r) => setTimeout(r, 10));
      },
      (a, b) => a + b,
    );
    const first = [c.add("a", 1), c.add("a", 2), c.add("b", 1)];
    await new Promise((r) => setImmediate(r));
    const second = [c.add("a", 5), c.add("c", 1)];
    await Promise.all([...first, ...second]);
    expect(flushed).toEqual([
      [
        ["a", 3],
        ["b", 1],
      ],
      [
        ["a", 5],
        ["c", 1],
      ],
    ]);
  });

  it("rejects the items of a failed flush, and goes on", async () => {
    let fail = true;
    const c = new Coalescer<string, number>(async () => {
      if (fail) {
        fail = false;
        throw new Error("down");
      }
    });
    await expect(c.add("a", 1)).rejects.toThrow("down");
    await expect(c.add("a", 1)).resolves.toBeUndefined();
    await c.drain();
  });
});
