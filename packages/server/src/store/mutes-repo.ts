import type { Store } from "./database.js";

/** The mutes table (migration 013): a user's mute of a conversation, until a time or removed. */
export class MutesRepo {
  constructor(private readonly store: Store) {}

  /** Mutes (or changes the end of an existing mute); `until` null lasts until removed. */
  async mute(userId: number, conversationId: number, until: number | null, now: number): Promise<void> {
    const { db, adapter } = this.store;
    const insert = db
      .insertInto("mutes")
      .values({ user_id: userId, conversation_id: conversationId, muted_until: until, created_at: now });
    await adapter.upsert(insert, ["user_id", "conversation_id"], { muted_until: until }).execute();
  }

  async unmute(userId: number, conversationId: number): Promise<void> {
    await this.store.db.deleteFrom("mutes").where("user_id", "=", userId).where("conversation_id", "=", conversationId).execute();
  }

  /**
   * The user's mutes in effect at `now` among `conversationIds`: conversation id -> the end
   * (null: until removed). A mute whose end has passed is left out (it is over).
   */
  async activeFor(userId: number, conversationIds: readonly number[], now: number): Promise<Map<number, number | null>> {
    if (conversationIds.length === 0) return new Map();
    const rows = await this.store.db
      .selectFrom("mutes")
      .select(["conversation_id", "muted_until"])
      .where("user_id", "=", userId)
      .where("conversation_id", "in", [...new Set(conversationIds)])
      .where((eb) => eb.or([eb("muted_until", "is", null), eb("muted_until", ">", now)]))
      .execute();
    return new Map(rows.map((r) => [r.conversation_id, r.muted_until === null ? null : Number(r.muted_until)]));
  }

  /**
   * Of the conversation's `userIds`, those who have it muted at `now`: what a message's
   * notifications leave out (integrations §4), in one query.
   */
  async mutedAmong(conversationId: number, userIds: readonly number[], now: number): Promise<Set<number>> {
    if (userIds.length === 0) return new Set();
    const rows = await this.store.db
      .selectFrom("mutes")
      .select("user_id")
      .where("conversation_id", "=", conversationId)
      .where("user_id", "in", [...new Set(userIds)])
      .where((eb) => eb.or([eb("muted_until", "is", null), eb("muted_until", ">", now)]))
      .execute();
    return new Set(rows.map((r) => r.user_id));
  }

  /** Ends every mute of the user (erasure, integrations §1). */
  async removeAllOf(userId: number): Promise<void> {
    await this.store.db.deleteFrom("mutes").where("user_id", "=", userId).execute();
  }
}
