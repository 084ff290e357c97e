import type { Store } from "./database.js";

/** One emoji's reactions to one message, as read for a caller. */
export interface ReactionSummary {
  emoji: string;
  count: number;
  /** Whether the caller is among those who reacted with it. */
  me: boolean;
}

/** The reactions table (migration 010): one row per (message, user, emoji). */
export class ReactionsRepo {
  constructor(private readonly store: Store) {}

  /** Adds one reaction; false when it was already there (nothing changed). */
  async add(messageId: number, userId: number, emoji: string, now: number): Promise<boolean> {
    const { db, adapter } = this.store;
    const insert = db.insertInto("reactions").values({ message_id: messageId, user_id: userId, emoji, created_at: now });
    const result = await adapter.insertIgnore(insert, ["message_id", "emoji", "user_id"]).executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
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

  /** How many distinct emoji the message carries. */
  async distinctEmoji(messageId: number): Promise<number> {
    const row = await this.store.db
      .selectFrom("reactions")
      .select((eb) => eb.fn.count("emoji").distinct().as("n"))
      .where("message_id", "=", messageId)
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
