import type { Message } from "@chatapp/protocol";
import { describe, expect, it, vi } from "vitest";
import { memoryStorage } from "../storage/memory.js";
import { LocalStore } from "./local-store.js";

const message = (seq: number): Message => ({
  id: 1000 + seq,
  conversation_id: 7,
  seq,
  sender_id: 2,
  content: `m${seq}`,
  timestamp: "2026-12-03T00:00:00.000Z",
  status: "sent",
});
const run = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => message(from + i));

async function cachedSeqs(store: LocalStore): Promise<number[]> {
  return (await store.messages(7)).map((m) => m.seq);
}

describe("LocalStore's message cache: one run of seqs, never a hole", () => {
  it("keeps the latest N of a long burst, and writes no more than N", async () => {
    const storage = memoryStorage();
    const store = new LocalStore(storage, 5, (e) => {
      throw e;
    });
    await store.load();
    store.emitted(7, run(1, 1000), 1000, 1);
    expect(await cachedSeqs(store)).toEqual([996, 997, 998, 999, 1000]);
  });

  it("leaves out a batch older than the run (a latest page read ahead of the stream)", async () => {
    const store = new LocalStore(memoryStorage(), 200, (e) => {
      throw e;
    });
    await store.load();
    store.latestPage(7, run(4951, 5000));
    store.emitted(7, run(11, 1010), 1010, 1);
    expect(await cachedSeqs(store)).toEqual(run(4951, 5000).map((m) => m.seq));
    // The stream reaches the run: it joins it, and the run grows down to 200.
    store.emitted(7, run(4800, 4950), 4950, 1);
    const seqs = await cachedSeqs(store);
    expect(seqs[0]).toBe(4801);
    expect(seqs.length).toBe(200);
  });

  it("starts the run again past a hole above it", async () => {
    const store = new LocalStore(memoryStorage(), 200, (e) => {
      throw e;
    });
    await store.load();
    store.emitted(7, run(1, 10), 10, 1);
    store.emitted(7, run(500, 505), 505, 1);
    expect(await cachedSeqs(store)).toEqual([500, 501, 502, 503, 504, 505]);
  });

  it("patches a cached message by id (a reaction), also after a restart", async () => {
    const storage = memoryStorage();
    const store = new LocalStore(storage, 200, (e) => {
      throw e;
    });
    await store.load();
    store.emitted(7, run(1, 3), 3, 1);
    await store.flush();
    const restarted = new LocalStore(storage, 200, (e) => {
      throw e;
    });
    await restarted.load();
    restarted.patchMessageById(7, 1002, { reactions: [{ emoji: "👍", count: 1, me: true }] });
    // The record is found by reading the conversation's cache: the patch follows that read.
    await vi.waitFor(async () => expect((await restarted.messages(7))[1]?.reactions).toBeDefined(), { timeout: 5000 });
    expect((await restarted.messages(7))[1]?.reactions).toEqual([{ emoji: "👍", count: 1, me: true }]);
  });
});
