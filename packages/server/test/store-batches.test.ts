import { createTestDatabase, describeEachDialect, type TestDatabase } from "@chatapp/testkit";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConversationsRepo } from "../src/store/conversations-repo.js";
import { openStore, type Store } from "../src/store/database.js";
import { MessageWriter } from "../src/store/message-writer.js";
import { migrateToLatest } from "../src/store/migrate.js";
import { SearchRepo } from "../src/store/search-repo.js";
import { UsersRepo } from "../src/store/users-repo.js";

/**
 * The set-based writes the hot paths rely on, against each real database: cursor moves as
 * one joined UPDATE per batch, and (SQLite) full-text indexing of a message batch in one
 * statement instead of a trigger per row.
 */
describeEachDialect("store batches", (dialect) => {
  let database: TestDatabase;
  let store: Store;
  let repo: ConversationsRepo;
  let direct: number;
  let group: number;

  beforeAll(async () => {
    database = await createTestDatabase(dialect);
    store = openStore(database.config);
    await migrateToLatest(store, pino({ level: "silent" }));
    await new UsersRepo(store).ensureExists([1, 2, 3]);
    repo = new ConversationsRepo(store);
    direct = await repo.findOrCreateDirect(1, 2);
    group = await repo.createGroup("g", 1, [2, 3]);
  });

  afterAll(async () => {
    await store?.destroy();
    await database?.drop();
  });

  describe("advanceCursors", () => {
    it("moves many cursors in one call and returns the rows that moved, as stored", async () => {
      const moved = await repo.advanceCursors([
        { conversationId: direct, userId: 2, delivered: 5, read: 0 },
        { conversationId: group, userId: 2, delivered: 3, read: 2 },
        { conversationId: group, userId: 3, delivered: 0, read: 4 },
      ]);
      const byKey = Object.fromEntries(moved.map((r) => [`${r.conversation_id}:${r.user_id}`, [r.delivered_seq, r.read_seq]]));
      // Reading up to 4 means delivered up to 4 as well.
      expect(byKey).toEqual({ [`${direct}:2`]: [5, 0], [`${group}:2`]: [3, 2], [`${group}:3`]: [4, 4] });
    });

    it("never moves a cursor back, and leaves out rows that did not move", async () => {
      const moved = await repo.advanceCursors([
        { conversationId: direct, userId: 2, delivered: 1, read: 0 }, // behind: no move
        { conversationId: group, userId: 2, delivered: 2, read: 3 }, // read moves, delivered stays 3
        { conversationId: 999_999, userId: 2, delivered: 9, read: 9 }, // not a member anywhere
      ]);
      expect(moved.map((r) => [r.conversation_id, r.user_id, r.delivered_seq, r.read_seq])).toEqual([[group, 2, 3, 3]]);
      const stored = await repo.membersOf([direct]);
      expect(stored.find((m) => m.user_id === 2)?.delivered_seq).toBe(5);
    });

    it("takes more moves than fit one statement", async () => {
      const users = Array.from({ length: 1200 }, (_, i) => 1000 + i);
      await new UsersRepo(store).ensureExists(users);
      const big = await repo.createGroup("big", 1, users);
      const moved = await repo.advanceCursors(users.map((userId) => ({ conversationId: big, userId, delivered: 1, read: 0 })));
      expect(moved).toHaveLength(1200);
    });
  });

  describe("message batches", () => {
    it("stores a batch with consecutive seqs and finds every message by full-text search", async () => {
      const writer = new MessageWriter(store);
      const words = ["alpha", "bravo", "charlie", "delta"];
      const stored = await Promise.all(
        words.map((w, i) =>
          writer.write({ conversationId: direct, senderId: 1, clientId: `fts-${i}`, content: `${w} zulu`, meta: undefined }),
        ),
      );
      expect(stored.map((m) => m.seq)).toEqual([1, 2, 3, 4]);
      const search = new SearchRepo(store);
      for (const w of words) {
        expect((await search.search(2, [w], 10, 0)).map((r) => r.content)).toEqual([`${w} zulu`]);
      }
      expect(await search.search(2, ["zulu"], 10, 0)).toHaveLength(4);
    });
  });
});
