import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { UploadClaimError } from "./claim-uploads.js";
import { ConversationsRepo } from "./conversations-repo.js";
import { openStore, type Store } from "./database.js";
import { ClientIdConflictError, MessageWriter, StorageUnavailableError } from "./message-writer.js";
import { migrateToLatest } from "./migrate.js";
import { UploadsRepo } from "./uploads-repo.js";

describe("MessageWriter (group commit)", () => {
  let dir: string;
  let store: Store;
  let conversations: number[];

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), "chatapp-writer-"));
    store = openStore({ dialect: "sqlite", path: join(dir, "w.db") });
    await migrateToLatest(store, pino({ level: "silent" }));
    const repo = new ConversationsRepo(store);
    conversations = [await repo.findOrCreateDirect(1, 2), await repo.findOrCreateDirect(1, 3)];
  });
  afterEach(async () => {
    await store.destroy().catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  });

  const msg = (conversationId: number, clientId: string | null, content = "x") => ({
    conversationId,
    senderId: 1,
    clientId,
    content,
    meta: undefined,
  });

  it("commits messages sent together in one batch, with consecutive seqs per conversation", async () => {
    const batches: number[] = [];
    const committed: number[] = [];
    const writer = new MessageWriter(store, {
      onBatch: (size) => batches.push(size),
      onCommit: (ms) => committed.push(...ms.map((m) => m.seq)),
    });
    // (all four are new, so onCommit sees each once, in order)
    const [c1, c2] = conversations as [number, number];
    const results = await Promise.all([
      writer.write(msg(c1, "a")),
      writer.write(msg(c2, "b")),
      writer.write(msg(c1, "c")),
      writer.write(msg(c1, null)),
    ]);
    expect(batches).toEqual([4]);
    expect(results.map((r) => [r.conversationId, r.seq])).toEqual([
      [c1, 1],
      [c2, 1],
      [c1, 2],
      [c1, 3],
    ]);
    expect(new Set(results.map((r) => r.id)).size).toBe(4);
    expect(committed).toEqual([1, 1, 2, 3]);
  });

  it("refuses a send naming an upload it may not carry alone, and stores the rest of its batch", async () => {
    const uploads = new UploadsRepo(store);
    const upload = async (uploaderId: number) => {
      const id = await uploads.begin(uploaderId, "f.txt", Date.now());
      await uploads.finish(id, {
        name: "f.txt",
        contentType: "text/plain; charset=utf-8",
        size: 3,
        width: null,
        height: null,
        hasThumbnail: false,
      });
      return id;
    };
    const [mine, theirs] = [await upload(1), await upload(9)];
    const committed: number[] = [];
    const writer = new MessageWriter(store, { onCommit: (ms) => committed.push(...ms.map((m) => m.seq)) });
    const c1 = conversations[0] as number;
    const results = await Promise.allSettled([
      writer.write({ ...msg(c1, "a"), uploadIds: [mine] }),
      writer.write({ ...msg(c1, "b"), uploadIds: [theirs] }),
      writer.write({ ...msg(c1, "c"), uploadIds: [mine] }),
      writer.write(msg(c1, "d")),
    ]);
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "rejected", "rejected", "fulfilled"]);
    expect((results[1] as PromiseRejectedResult).reason).toBeInstanceOf(UploadClaimError);
    expect((results[2] as PromiseRejectedResult).reason.message).toMatch(/already sent/);
    // No seq went to a refused send.
    expect(committed).toEqual([1, 2]);
    const first = (results[0] as PromiseFulfilledResult<{ id: number; attachments: unknown }>).value;
    expect(first.attachments).toEqual([expect.objectContaining({ id: mine, name: "f.txt" })]);
    expect((await uploads.find(mine))?.message_id).toBe(first.id);
    expect((await uploads.find(theirs))?.message_id).toBeNull();
  });

  it("queues what arrives during a commit into the next batch", async () => {
    const batches: number[] = [];
    const writer = new MessageWriter(store, { onBatch: (size) => batches.push(size) });
    const first = writer.write(msg(conversations[0] as number, null));
    await new Promise((r) => setImmediate(r)); // the first transaction has started
    const rest = Array.from({ length: 10 }, () => writer.write(msg(conversations[0] as number, null)));
    await Promise.all([first, ...rest]);
    expect(batches.reduce((a, b) => a + b, 0)).toBe(11);
    expect(batches[0]).toBe(1);
  });

  it("answers a repeated client_id, in the same batch or a later one, with the first message", async () => {
    const committed: number[] = [];
    const writer = new MessageWriter(store, {
      onCommit: (ms) => committed.push(...ms.filter((m) => !m.duplicate).map((m) => m.id)),
    });
    const c = conversations[0] as number;
    const [a, b] = await Promise.all([writer.write(msg(c, "same", "one")), writer.write(msg(c, "same", "two"))]);
    const later = await writer.write(msg(c, "same", "three"));
    expect(a.duplicate).toBe(false);
    expect(b).toMatchObject({ id: a.id, seq: a.seq, content: "one", duplicate: true });
    expect(later).toMatchObject({ id: a.id, content: "one", duplicate: true });
    expect(committed).toEqual([a.id]);
  });

  it("refuses the whole batch with StorageUnavailableError when the database fails, and drains", async () => {
    const writer = new MessageWriter(store);
    await store.destroy();
    const results = await Promise.allSettled([writer.write(msg(conversations[0] as number, "z"))]);
    expect(results[0]).toMatchObject({ status: "rejected" });
    expect((results[0] as PromiseRejectedResult).reason).toBeInstanceOf(StorageUnavailableError);
    await writer.drain();
  });
});

/** A fresh migrated SQLite store with the direct conversation of users 1 and 2. */
async function withStore(fn: (store: Store, conversationId: number) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "chatapp-writer-"));
  const store = openStore({ dialect: "sqlite", path: join(dir, "w.db") });
  try {
    await migrateToLatest(store, pino({ level: "silent" }));
    await fn(store, await new ConversationsRepo(store).findOrCreateDirect(1, 2));
  } finally {
    await store.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
}

describe("MessageWriter isolation", () => {
  it("refuses only the faulty message of a batch and stores the others", () =>
    withStore(async (store, c) => {
      const writer = new MessageWriter(store);
      const base = { senderId: 1, clientId: null, content: "x", meta: undefined };
      const results = await Promise.allSettled([
        writer.write({ ...base, conversationId: c }),
        writer.write({ ...base, conversationId: 424242 }), // no such conversation
        writer.write({ ...base, conversationId: c }),
      ]);
      expect(results.map((r) => r.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
      const seqs = results.flatMap((r) => (r.status === "fulfilled" ? [r.value.seq] : []));
      expect(seqs).toEqual([1, 2]);
    }));
});

describe("MessageWriter after a commit with an unknown outcome", () => {
  it("refuses a batch whose bookkeeping throws, instead of leaving it waiting, and goes on", () =>
    withStore(async (store, c) => {
      let fail = true;
      const published: number[] = [];
      const writer = new MessageWriter(store, {
        onBatch: () => {
          if (fail) {
            fail = false;
            throw new Error("metrics broke");
          }
        },
        onCommit: (ms) => published.push(...ms.filter((m) => !m.duplicate).map((m) => m.seq)),
      });
      const m = { conversationId: c, senderId: 1, clientId: "b-1", content: "x", meta: undefined };
      await expect(writer.write(m)).rejects.toBeInstanceOf(StorageUnavailableError);
      // Stored before the throw: the repeat is handed on as new, so it is published once.
      await expect(writer.write(m)).resolves.toMatchObject({ seq: 1, duplicate: false });
      await expect(writer.write({ ...m, clientId: "b-2" })).resolves.toMatchObject({ seq: 2 });
      expect(published).toEqual([1, 2]);
    }));

  it("hands a repeat of the send on as new: acked and published once", () =>
    withStore(async (store, c) => {
      // The commit goes through, but the connection drops before the answer arrives.
      let loseAnswer = true;
      const flaky: Store = {
        ...store,
        writeBatch: async (drafts) => {
          const result = await store.writeBatch(drafts);
          if (loseAnswer) {
            loseAnswer = false;
            throw Object.assign(new Error("connection lost"), { code: "ECONNRESET" });
          }
          return result;
        },
      };
      const published: number[] = [];
      const writer = new MessageWriter(flaky, {
        onCommit: (ms) => published.push(...ms.filter((m) => !m.duplicate).map((m) => m.seq)),
      });
      const m = { conversationId: c, senderId: 1, clientId: "u-1", content: "x", meta: undefined };
      await expect(writer.write(m)).rejects.toBeInstanceOf(StorageUnavailableError);
      const retry = await writer.write(m);
      expect(retry).toMatchObject({ seq: 1, duplicate: false });
      const again = await writer.write(m);
      expect(again).toMatchObject({ seq: 1, duplicate: true });
      expect(published).toEqual([1]);
    }));
});

describe("MessageWriter with a client_id the repeat lookup cannot see", () => {
  it("refuses that message alone, in a few transactions, and its repeats without any", () =>
    withStore(async (store, c) => {
      let transactions = 0;
      const counted: Store = {
        ...store,
        writeBatch: (drafts) => {
          transactions++;
          return store.writeBatch(drafts);
        },
      };
      const writer = new MessageWriter(counted);
      const send = (clientId: string) =>
        writer.write({ conversationId: c, senderId: 1, clientId, content: "x", meta: undefined });
      // The edges refuse lone surrogates now; the writer must still hold when such a key gets
      // through. The driver stores "q\ud800" altered: the lookup of the repeat then finds a
      // row under another key, and the UNIQUE index refuses the insert, every time.
      const poison = "q\ud800";
      await send(poison);
      const stored = await store.db.selectFrom("messages").select("client_id").executeTakeFirstOrThrow();
      expect(stored.client_id).not.toBe(poison);
      transactions = 0;
      const started = performance.now();
      const batch = Array.from({ length: 64 }, (_, i) => (i === 40 ? poison : `honest-${i}`));
      const results = await Promise.allSettled(batch.map(send));
      const ms = performance.now() - started;
      const refused = results.flatMap((r, i) => (r.status === "rejected" ? [[i, r.reason]] : []));
      expect(refused).toEqual([[40, expect.any(ClientIdConflictError)]]);
      const seqs = results.flatMap((r) => (r.status === "fulfilled" ? [r.value.seq] : []));
      expect(seqs).toEqual(Array.from({ length: 63 }, (_, i) => i + 2));
      // The whole batch twice, then halves down to the message (2 per level), which is tried
      // twice: 2 + 2·6 + 1 = 15 at most; retrying the batch and then writing one by one cost 69.
      expect(transactions).toBeLessThanOrEqual(15);
      expect(ms).toBeLessThan(2000);

      transactions = 0;
      await expect(send(poison)).rejects.toBeInstanceOf(ClientIdConflictError);
      expect(transactions).toBe(0);
      expect((await send("after")).seq).toBe(65);
    }));
});
