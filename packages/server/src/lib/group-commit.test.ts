import { describe, expect, it } from "vitest";
import { GroupCommit } from "./group-commit.js";

function queueOf(items: number[]) {
  return {
    get size() {
      return items.length;
    },
    take: (max: number) => items.splice(0, max),
  };
}

describe("GroupCommit", () => {
  it("flushes what gathered while a batch was in flight as the next batch, up to maxBatch", async () => {
    const items: number[] = [];
    const batches: number[][] = [];
    let release: () => void = () => {};
    const loop = new GroupCommit(
      queueOf(items),
      async (batch) => {
        batches.push(batch);
        if (batches.length === 1) await new Promise<void>((r) => (release = r));
      },
      { maxBatch: 3 },
    );
    items.push(1);
    loop.kick();
    await new Promise((r) => setImmediate(r));
    items.push(2, 3, 4, 5);
    loop.kick(); // running already: no second loop
    release();
    await loop.drain();
    expect(batches).toEqual([[1], [2, 3, 4], [5]]);
  });

  it("passes a failed flush to onError and goes on with the next batch", async () => {
    const items: number[] = [];
    const errors: unknown[] = [];
    const flushed: number[] = [];
    const loop = new GroupCommit(
      queueOf(items),
      async (batch) => {
        if (batch.includes(1)) throw new Error("down");
        flushed.push(...batch);
      },
      {},
      (err) => errors.push(err),
    );
    items.push(1);
    loop.kick();
    await new Promise((r) => setImmediate(r));
    items.push(2);
    loop.kick();
    await loop.drain();
    expect(flushed).toEqual([2]);
    expect(errors).toHaveLength(1);
    await expect(loop.drain()).resolves.toBeUndefined();
  });
});
