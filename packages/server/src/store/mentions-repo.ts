import type { Store } from "./database.js";
import { insertMentionRows, mentionsColumn, resolveMentions } from "./mention-rows.js";
import type { MessageRow } from "./schema.js";

/**
 * Who messages mention (contract §7). The rows are written with the message (insert-batch.ts);
 * here they are counted per reader, rewritten after an edit, and dropped with a deleted message.
 */
export class MentionsRepo {
  constructor(private readonly store: Store) {}

  /**
   * Per conversation, the messages above the user's read cursor that mention them and are not
   * deleted (thread replies included): an index range on (user_id, conversation_id, seq).
   * Without `conversationIds`, every conversation of the user's (the `ready` frame).
   */
  async unreadCounts(userId: number, conversationIds?: number[]): Promise<Map<number, number>> {
    if (conversationIds?.length === 0) return new Map();
    let query = this.store.db
      .selectFrom("mentions as x")
      .innerJoin("members as m", (join) =>
        join.onRef("m.conversation_id", "=", "x.conversation_id").onRef("m.user_id", "=", "x.user_id"),
      )
      .innerJoin("messages as msg", "msg.id", "x.message_id")
      .select((eb) => ["x.conversation_id", eb.fn.countAll().as("count")])
      .where("x.user_id", "=", userId)
      .whereRef("x.seq", ">", "m.read_seq")
      .where("msg.deleted_at", "is", null)
      .groupBy("x.conversation_id");
    if (conversationIds) query = query.where("x.conversation_id", "in", conversationIds);
    const rows = await query.execute();
    return new Map(rows.map((r) => [r.conversation_id, Number(r.count)]));
  }

  /**
   * After an edit: the members the new text names (`names`, lower-cased) plus those the send
   * named by id, who stay. Rewrites the rows and the message's column in one transaction and
   * answers the row as stored; undefined when the message was deleted meanwhile.
   */
  async rewrite(messageId: number, names: readonly string[]): Promise<MessageRow | undefined> {
    return this.store.db.transaction().execute(async (trx) => {
      const row = await trx.selectFrom("messages").selectAll().where("id", "=", messageId).executeTakeFirst();
      if (!row || row.deleted_at !== null) return undefined;
      const kept = await trx
        .selectFrom("mentions")
        .select("user_id")
        .where("message_id", "=", messageId)
        .where("by_id", "=", 1)
        .execute();
      const [mentions] = await resolveMentions(trx, [
        { conversationId: row.conversation_id, senderId: row.sender_id, ids: kept.map((k) => k.user_id), names },
      ]);
      if (!mentions) return row;
      await trx.deleteFrom("mentions").where("message_id", "=", messageId).execute();
      await insertMentionRows(trx, [{ messageId, conversationId: row.conversation_id, seq: row.seq, mentions }]);
      const column = mentionsColumn(mentions);
      await trx.updateTable("messages").set({ mentions: column }).where("id", "=", messageId).execute();
      return { ...row, mentions: column };
    });
  }

  /** A deleted message mentions nobody any more. */
  async dropMessage(messageId: number): Promise<void> {
    await this.store.db.deleteFrom("mentions").where("message_id", "=", messageId).execute();
    await this.store.db.updateTable("messages").set({ mentions: null }).where("id", "=", messageId).execute();
  }
}
