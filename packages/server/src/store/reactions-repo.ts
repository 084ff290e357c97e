import type { Store } from "./database.js";

/** One emoji's reactions to one message, as read for a caller. */
export interface ReactionSummary {
  emoji: string;
  count: number;
  /** Whether the caller is among those who reacted with it. */
  me: boolean;
}

/** What adding a reaction did (ReactionsRepo.add). */
export type AddOutcome = "added" | "exists" | "deleted" | "full";

/** The reactions table (migration 010): one row per (message, user, emoji). */
export class ReactionsRepo {
  constructor(private readonly store: Store) {}

  /** Whether the user reacted to the message with `emoji`. */
  async has(messageId: number, userId: number, emoji: string): Promise<boolean> {
    const row = await this.store.db
      .selectFrom("reactions")
      .select("id")
      .where("message_id", "=", messageId)
      .where("emoji", "=", emoji)
      .where("user_id", "=", userId)
      .executeTakeFirst();
    return row !== undefined;
  }

  /**
   * Adds one reaction, in one transaction that locks the message row first (where the
   * dialect can; SQLite has one writer): adds to one message are taken one at a time, so the
   * cap of `maxEmoji` distinct emoji holds however many arrive at once, and a deletion (which
   * updates the same row) either comes before, and the reaction is refused, or after, and its
   * hook removes the reaction. Answers "added", "exists" (nothing changed), "deleted" (the
   * message is gone or deleted) or "full" (a new emoji past the cap).
   */
  async add(messageId: number, userId: number, emoji: string, now: number, maxEmoji: number): Promise<AddOutcome> {
    const { db, adapter } = this.store;
    return db.transaction().execute(async (trx) => {
      let lock = trx.selectFrom("messages").select("deleted_at").where("id", "=", messageId);
      if (adapter.supportsForUpdate) lock = lock.forUpdate();
      const message = await lock.executeTakeFirst();
      if (!message || message.deleted_at !== null) return "deleted";
      const onMessage = await trx
        .selectFrom("reactions")
        .select(["emoji", "user_id"])
        .where("message_id", "=", messageId)
        .where((eb) => eb.or([eb("emoji", "=", emoji), eb("user_id", "=", userId)]))
        .execute();
      if (onMessage.some((r) => r.emoji === emoji && r.user_id === userId)) return "exists";
      if (!onMessage.some((r) => r.emoji === emoji)) {
        const { n } = await trx
          .selectFrom("reactions")
          .select((eb) => eb.fn.count("emoji").distinct().as("n"))
          .where("message_id", "=", messageId)
          .executeTakeFirstOrThrow();
        if (Number(n) >= maxEmoji) return "full";
      }
      const insert = trx.insertInto("reactions").values({ message_id: messageId, user_id: userId, emoji, created_at: now });
      const result = await adapter.insertIgnore(insert, ["message_id", "emoji", "user_id"]).executeTakeFirst();
      return Number(result.numInsertedOrUpdatedRows ?? 0) > 0 ? "added" : "exists";
    });
  }

  /** Removes one reaction; false when it was not there. */
  async remove(messageId: number, userId: number, emoji: string): Promise<boolean> {
    const result = await this.store.db
      .deleteFrom("reactions")
      .where("message_id", "=", messageId)
      .where("emoji", "=", emoji)
      .where("user_id", "=", userId)
      .executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  /** How many users reacted to the message with `emoji`. */
  async count(messageId: number, emoji: string): Promise<number> {
    const row = await this.store.db
      .selectFrom("reactions")
      .select((eb) => eb.fn.countAll().as("n"))
      .where("message_id", "=", messageId)
      .where("emoji", "=", emoji)
      .executeTakeFirst();
    return Number(row?.n ?? 0);
  }

  /**
   * The reactions of a page of messages in one query: per message, one entry per emoji in
   * the order each was first added, `me` for `callerId`. Messages without any are left out.
   */
  async forMessages(messageIds: readonly number[], callerId: number): Promise<Map<number, ReactionSummary[]>> {
    const byMessage = new Map<number, ReactionSummary[]>();
    if (messageIds.length === 0) return byMessage;
    const rows = await this.store.db
      .selectFrom("reactions")
      .select((eb) => [
        "message_id",
        "emoji",
        eb.fn.countAll().as("n"),
        eb.fn.min("id").as("first_id"),
        eb.fn.max(eb.case().when("user_id", "=", callerId).then(1).else(0).end()).as("mine"),
      ])
      .where("message_id", "in", [...new Set(messageIds)])
      .groupBy(["message_id", "emoji"])
      .execute();
    rows.sort((a, b) => Number(a.first_id) - Number(b.first_id));
    for (const row of rows) {
      const messageId = Number(row.message_id);
      const entry = { emoji: row.emoji, count: Number(row.n), me: Number(row.mine) > 0 };
      const list = byMessage.get(messageId);
      if (list) list.push(entry);
      else byMessage.set(messageId, [entry]);
    }
    return byMessage;
  }

  /** A deleted message takes its reactions with it. */
  async removeForMessage(messageId: number): Promise<void> {
    await this.store.db.deleteFrom("reactions").where("message_id", "=", messageId).execute();
  }
}
