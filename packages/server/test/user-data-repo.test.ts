import { createTestDatabase, describeEachDialect, type TestDatabase } from "@chatapp/testkit";
import pino from "pino";
import { afterAll, beforeAll, expect, it } from "vitest";
import { ConversationsRepo } from "../src/store/conversations-repo.js";
import { openStore, type Store } from "../src/store/database.js";
import { MessageWriter } from "../src/store/message-writer.js";
import { migrateToLatest } from "../src/store/migrate.js";
import { SearchRepo } from "../src/store/search-repo.js";
import { type ErasedMessage, USER_DATA_BATCH, UserDataRepo } from "../src/store/user-data-repo.js";
import { UsersRepo } from "../src/store/users-repo.js";

/**
 * An erasure's message batches against each real database: one transaction per batch, the
 * hooks inside it (a failing hook leaves the batch as it was), and search forgetting the text.
 */
describeEachDialect("user data repo", (dialect) => {
  let database: TestDatabase;
  let store: Store;
  let group: number;

  beforeAll(async () => {
    database = await createTestDatabase(dialect);
    store = openStore(database.config);
    await migrateToLatest(store, pino({ level: "silent" }));
    await new UsersRepo(store).ensureExists([1, 2]);
    group = await new ConversationsRepo(store).createGroup("g", 1, [2]);
    const writer = new MessageWriter(store);
    const sends = [];
    for (let i = 0; i < USER_DATA_BATCH + 20; i++) {
      sends.push(
        writer.write({ conversationId: group, senderId: 1, clientId: `e-${i}`, content: `quokka ${i}`, meta: undefined }),
      );
    }
    sends.push(writer.write({ conversationId: group, senderId: 2, clientId: "other", content: "quokka kept", meta: undefined }));
    await Promise.all(sends);
  }, 60_000);

  afterAll(async () => {
    await store?.destroy();
    await database?.drop();
  });

  it("runs hooks inside each batch's transaction: a failing hook leaves the batch undeleted", async () => {
    const repo = new UserDataRepo(store);
    const failing = async () => {
      throw new Error("hook failed");
    };
    await expect(repo.eraseMessageBatch(1, Date.now(), [failing])).rejects.toThrow("hook failed");
    expect((await repo.sentMessages(1, 0, 10_000)).length).toBe(USER_DATA_BATCH + 20);

    const seen: ErasedMessage[][] = [];
    const hook = async (_trx: unknown, deleted: ErasedMessage[]) => {
      seen.push(deleted);
    };
    expect(await repo.eraseMessageBatch(1, Date.now(), [hook])).toBe(USER_DATA_BATCH);
    expect(await repo.eraseMessageBatch(1, Date.now(), [hook])).toBe(20);
    expect(await repo.eraseMessageBatch(1, Date.now(), [hook])).toBe(0);
    expect(seen.map((b) => b.length)).toEqual([USER_DATA_BATCH, 20]);
    expect(seen.flat().every((m) => m.conversation_id === group && m.seq > 0)).toBe(true);
    expect(await repo.sentMessages(1, 0)).toEqual([]);
    // Out of the full-text index; the other user's message stays.
    const found = await new SearchRepo(store).search(2, ["quokka"], 50, 0);
    expect(found.map((r) => r.content)).toEqual(["quokka kept"]);
  });
});
