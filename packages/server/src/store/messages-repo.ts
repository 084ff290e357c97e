import type { ReplyTo } from "@chatapp/protocol";
import type { Store } from "./database.js";
import { storedClientIds } from "./insert-batch.js";
import { appendEvents, messageData, receiverFromDirectKey } from "./outbox.js";
import type { MessageRow } from "./schema.js";
import { quotesOf, uncountReply } from "./threads-repo.js";

const deletedData = (m: MessageRow) => ({ id: m.id, conversation_id: m.conversation_id, seq: m.seq });

export interface PageOptions {
  beforeSeq?: number | undefined;
  afterSeq?: number | undefined;
  limit: number;
  /** Only the replies of this thread root (`?thread=`). */
  threadRootId?: number | undefined;
  /** Only messages in no thread (`?top_level=true`). */
  topLevel?: boolean | undefined;
}

export class MessagesRepo {
  constructor(private readonly store: Store) {}

  /**
   * Messages of a conversation in ascending seq: the first `limit` after `afterSeq`, or the
   * last `limit` before `beforeSeq` (or before the end). One more row is read to tell
   * whether the page was cut.
   */
  async page(conversationId: number, opts: PageOptions): Promise<{ messages: MessageRow[]; hasMore: boolean }> {
    let query = this.store.db.selectFrom("messages").selectAll().where("conversation_id", "=", conversationId);
    if (opts.afterSeq !== undefined) query = query.where("seq", ">", opts.afterSeq);
    if (opts.beforeSeq !== undefined) query = query.where("seq", "<", opts.beforeSeq);
    if (opts.threadRootId !== undefined) query = query.where("thread_root_id", "=", opts.threadRootId);
    if (opts.topLevel) query = query.where("thread_root_id", "is", null);
    const ascending = opts.afterSeq !== undefined;
    const rows = await query
      .orderBy("seq", ascending ? "asc" : "desc")
      .limit(opts.limit + 1)
      .execute();
    const hasMore = rows.length > opts.limit;
    const messages = rows.slice(0, opts.limit);
    if (!ascending) messages.reverse();
    return { messages, hasMore };
  }

  /**
   * (seed) history: newest first, optionally below a message id. Within one conversation id
   * and seq grow together, so a single conversation is read by seq through its unique index.
   */
  newestFirst(conversationIds: number[], beforeId: number | undefined, limit: number): Promise<MessageRow[]> {
    if (conversationIds.length === 0) return Promise.resolve([]);
    let query = this.store.db.selectFrom("messages").selectAll().where("conversation_id", "in", conversationIds);
    if (beforeId !== undefined) query = query.where("id", "<", beforeId);
    return query
      .orderBy(conversationIds.length === 1 ? "seq" : "id", "desc")
      .limit(limit)
      .execute();
  }

  /** Ids of the user's direct conversations. */
  async directConversationIds(userId: number): Promise<number[]> {
    const rows = await this.store.db
      .selectFrom("members")
      .innerJoin("conversations", "conversations.id", "members.conversation_id")
      .select("conversations.id")
      .where("members.user_id", "=", userId)
      .where("conversations.kind", "=", "direct")
      .execute();
    return rows.map((r) => r.id);
  }

  /**
   * Messages from others that the user has not been delivered yet (seq above the user's
   * delivered cursor), by conversation then seq, resuming after (conversation, seq).
   */
  undelivered(userId: number, after: { conversationId: number; seq: number } | null, limit: number): Promise<MessageRow[]> {
    let query = this.store.db
      .selectFrom("members")
      .innerJoin("messages", (join) =>
        join
          .onRef("messages.conversation_id", "=", "members.conversation_id")
          .onRef("messages.seq", ">", "members.delivered_seq"),
      )
      .selectAll("messages")
      .where("members.user_id", "=", userId)
      .where("messages.sender_id", "<>", userId)
      .where("messages.deleted_at", "is", null);
    if (after) {
      query = query.where((eb) =>
        eb.or([
          eb("messages.conversation_id", ">", after.conversationId),
          eb.and([eb("messages.conversation_id", "=", after.conversationId), eb("messages.seq", ">", after.seq)]),
        ]),
      );
    }
    return query.orderBy("messages.conversation_id").orderBy("messages.seq").limit(limit).execute();
  }

  /** What these messages quote, as it is now, by quoted id: one query for a page. */
  quotes(rows: readonly MessageRow[]): Promise<Map<number, ReplyTo>> {
    return quotesOf(this.store.db, rows);
  }

  byId(id: number): Promise<MessageRow | undefined> {
    return this.store.db.selectFrom("messages").selectAll().where("id", "=", id).executeTakeFirst();
  }

  /** Which of these (sender, client_id) pairs are stored, as idemKey keys (one query per 200 senders). */
  storedClientIds(pairs: readonly { senderId: number; clientId: string }[]): Promise<Set<string>> {
    return storedClientIds(this.store.db, pairs);
  }

  /**
   * Edits (new content) or deletes (content emptied) a message that is not deleted; returns
   * the row as stored, or undefined when it was deleted meanwhile (an edit must not bring
   * deleted content back). A deleted thread reply leaves its root's count in the same
   * transaction.
   */
  async update(
    id: number,
    change: { content: string; edited_at?: number; deleted_at?: number; link_previews?: null; attachments?: null },
  ): Promise<MessageRow | undefined> {
    return this.store.db.transaction().execute(async (trx) => {
      const result = await trx
        .updateTable("messages")
        .set(change)
        .where("id", "=", id)
        .where("deleted_at", "is", null)
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) === 0) return undefined;
      if (change.deleted_at !== undefined) await uncountReply(trx, id, this.store.adapter.supportsForUpdate);
      const row = await trx
        .selectFrom("messages")
        .innerJoin("conversations", "conversations.id", "messages.conversation_id")
        .selectAll("messages")
        .select("conversations.direct_key")
        .where("messages.id", "=", id)
        .executeTakeFirstOrThrow();
      const { direct_key, ...message } = row;
      // The webhook event, committed with the change: a snapshot of the message as it is now.
      await appendEvents(trx, [
        change.deleted_at !== undefined
          ? { type: "message.deleted", conversationId: message.conversation_id, data: deletedData(message) }
          : {
              type: "message.updated",
              conversationId: message.conversation_id,
              data: messageData(message, receiverFromDirectKey(direct_key, message.sender_id)),
            },
      ]);
      return message;
    });
  }

  /**
   * Stores a message's link previews, unless it was edited or deleted since they were asked
   * for (those previews belong to text that is gone). Returns the row as stored, or undefined
   * when it changed.
   */
  async setLinkPreviews(id: number, previews: string, askedAt: { editedAt: number | null }): Promise<MessageRow | undefined> {
    // Every edit sets edited_at: the same edited_at is the same text.
    let query = this.store.db
      .updateTable("messages")
      .set({ link_previews: previews })
      .where("id", "=", id)
      .where("deleted_at", "is", null);
    query = askedAt.editedAt === null ? query.where("edited_at", "is", null) : query.where("edited_at", "=", askedAt.editedAt);
    const result = await query.executeTakeFirst();
    if (Number(result.numUpdatedRows) === 0) return undefined;
    return this.byId(id);
  }

  /** The last message of each conversation. */
  lastOf(conversationIds: number[]): Promise<MessageRow[]> {
    if (conversationIds.length === 0) return Promise.resolve([]);
    return this.store.db
      .selectFrom("messages")
      .innerJoin("conversations", (join) =>
        join.onRef("conversations.id", "=", "messages.conversation_id").onRef("conversations.last_seq", "=", "messages.seq"),
      )
      .selectAll("messages")
      .where("messages.conversation_id", "in", conversationIds)
      .execute();
  }

  /** Per conversation, messages from others above the user's read cursor. */
  async unreadCounts(userId: number, conversationIds: number[]): Promise<Map<number, number>> {
    if (conversationIds.length === 0) return new Map();
    const rows = await this.store.db
      .selectFrom("members")
      .innerJoin("messages", (join) =>
        join.onRef("messages.conversation_id", "=", "members.conversation_id").onRef("messages.seq", ">", "members.read_seq"),
      )
      .select((eb) => ["members.conversation_id", eb.fn.countAll<number>().as("unread")])
      .where("members.user_id", "=", userId)
      .where("members.conversation_id", "in", conversationIds)
      .where("messages.sender_id", "<>", userId)
      .where("messages.deleted_at", "is", null)
      .where("messages.kind", "=", "user")
      // Thread replies are not unread in the conversation (contract §6).
      .where("messages.thread_root_id", "is", null)
      .groupBy("members.conversation_id")
      .execute();
    return new Map(rows.map((r) => [r.conversation_id, Number(r.unread)]));
  }
}
