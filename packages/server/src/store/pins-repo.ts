import type { Store } from "./database.js";
import type { MessageRow, PinRow } from "./schema.js";

/** Pinned messages (contract §9): at most one row per message. */
export class PinsRepo {
  constructor(private readonly store: Store) {}

  /** A conversation's pins, newest first. */
  list(conversationId: number): Promise<PinRow[]> {
    return this.store.db
      .selectFrom("pins")
      .selectAll()
      .where("conversation_id", "=", conversationId)
      .orderBy("id", "desc")
      .execute();
  }

  /** The pinned messages themselves, in one query. */
  messages(messageIds: number[]): Promise<MessageRow[]> {
    if (messageIds.length === 0) return Promise.resolve([]);
    return this.store.db.selectFrom("messages").selectAll().where("id", "in", messageIds).execute();
  }

  byMessage(messageId: number): Promise<PinRow | undefined> {
    return this.store.db.selectFrom("pins").selectAll().where("message_id", "=", messageId).executeTakeFirst();
  }

  /**
   * Pins a message unless it is pinned already (then its pin is answered, `created` false) or
   * the conversation has `max` pins ("full"), or the message is deleted ("deleted"). The
   * conversation row, then the message row, are locked for the transaction where the dialect
   * can (SQLite has one writer), so two pins at once cannot both take the last place, and a
   * deletion (which updates the message row) either comes first, and the pin is refused, or
   * after, and its hook unpins the message.
   */
  async add(pin: Omit<PinRow, "id">, max: number): Promise<{ pin: PinRow; created: boolean } | "full" | "deleted"> {
    const { db, adapter } = this.store;
    return db.transaction().execute(async (trx) => {
      let lock = trx.selectFrom("conversations").select("id").where("id", "=", pin.conversation_id);
      if (adapter.supportsForUpdate) lock = lock.forUpdate();
      await lock.execute();
      let lockMessage = trx.selectFrom("messages").select("deleted_at").where("id", "=", pin.message_id);
      if (adapter.supportsForUpdate) lockMessage = lockMessage.forUpdate();
      const message = await lockMessage.executeTakeFirst();
      if (!message || message.deleted_at !== null) return "deleted";
      const existing = await trx.selectFrom("pins").selectAll().where("message_id", "=", pin.message_id).executeTakeFirst();
      if (existing) return { pin: existing, created: false };
      const { count } = await trx
        .selectFrom("pins")
        .select((eb) => eb.fn.countAll().as("count"))
        .where("conversation_id", "=", pin.conversation_id)
        .executeTakeFirstOrThrow();
      if (Number(count) >= max) return "full";
      await trx.insertInto("pins").values(pin).execute();
      const stored = await trx.selectFrom("pins").selectAll().where("message_id", "=", pin.message_id).executeTakeFirstOrThrow();
      return { pin: stored, created: true };
    });
  }

  /** Unpins a message; answers the pin that was removed, if there was one. */
  async remove(messageId: number): Promise<PinRow | undefined> {
    const pin = await this.byMessage(messageId);
    if (!pin) return undefined;
    const result = await this.store.db.deleteFrom("pins").where("id", "=", pin.id).executeTakeFirst();
    // Removed meanwhile by another request, which told the members.
    return Number(result.numDeletedRows) > 0 ? pin : undefined;
  }
}
