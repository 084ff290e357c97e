import { describe, expect, it } from "vitest";
import { Coalescer } from "./coalescer.js";

describe("Coalescer", () => {
  it("merges items by key and flushes what gathered during a flush in the next one", async () => {
    const flushed: [string, number][][] = [];
    const c = new Coalescer<string, number>(
      async (items) => {
        flushed.push([...items]);
        // Simulated work: a flush that takes a while, so items gather meanwhile.
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

  it("spaces flushes: items arriving one per turn during a burst share a flush", async () => {
    const flushed: string[][] = [];
    const c = new Coalescer<string, true>(
      async (items) => {
        flushed.push([...items.keys()]);
      },
      undefined,
      1000,
      30,
    );
    const adds = [c.add("first", true)];
    // One item per event-loop turn, as a storm of handshakes delivers them.
    for (let i = 0; i < 5; i++) {
      await new Promise((r) => setImmediate(r));
      adds.push(c.add(`k${i}`, true));
    }
    await Promise.all(adds);
    expect(flushed).toEqual([["first"], ["k0", "k1", "k2", "k3", "k4"]]);
  });

  it("flushes the first item after a quiet spell at once, not after the spacing", async () => {
    const c = new Coalescer<string, true>(async () => {}, undefined, 1000, 60_000);
    // The spacing (a minute) only applies between flushes close together.
    const first = await Promise.race([
      c.add("a", true).then(() => "flushed"),
      new Promise((r) => setTimeout(() => r("waited"), 1000)),
    ]);
    expect(first).toBe("flushed");
  });

  it("settled() waits for what was added before it, flushed or failed", async () => {
    const flushed: string[] = [];
    const c = new Coalescer<string, true>(
      async (items) => {
        // Simulated work: a flush that takes a while.
        await new Promise((r) => setTimeout(r, 5));
        if (items.has("bad")) throw new Error("down");
        flushed.push(...items.keys());
      },
      undefined,
      1000,
      20,
    );
    void c.add("a", true);
    await new Promise((r) => setImmediate(r)); // "a" is being flushed
    c.add("b", true).catch(() => {});
    c.add("bad", true).catch(() => {});
    await c.settled();
    expect(flushed).toEqual(["a"]); // "b" went with "bad", whose flush failed: settled anyway
    void c.add("c", true);
    await c.settled();
    expect(flushed).toEqual(["a", "c"]);
  });
});
