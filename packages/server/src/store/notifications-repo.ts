import type { Kysely, Transaction } from "kysely";
import type { Store } from "./database.js";
import type { Database } from "./schema.js";

/** Ids per IN list: stays under every driver's parameter limit, and keeps each query short. */
export const ID_CHUNK = 1000;
/** (user, conversation) pairs per OR list (SQLite's expression depth stays far from its limit). */
const PAIR_CHUNK = 200;

/** A user message to plan notifications for. */
export interface PlannedMessage {
  id: number;
  seq: number;
  senderId: number;
  content: string;
  /** The members it mentions (resolved when it was stored). */
  mentions: number[];
  replyToId: number | null;
}

/** One notified (user, conversation) whose read cursor has passed the seq named. */
export interface ReadPast {
  userId: number;
  conversationId: number;
  seq: number;
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let start = 0; start < items.length; start += size) out.push(items.slice(start, start + size));
  return out;
}

/**
 * What planning notifications reads (integrations §4), each question answered for many users
 * per query (chunks of 1,000 ids), never one query per member: a 10,000-member group's
 * message is planned in a handful of statements. And push_notified, what clears are sent for.
 */
export class NotificationsRepo {
  constructor(private readonly store: Store) {}

  /** The conversation's kind and title, or undefined when it is gone. */
  conversation(conversationId: number): Promise<{ kind: "direct" | "group"; title: string | null } | undefined> {
    return this.store.db
      .selectFrom("conversations")
      .select(["kind", "title"])
      .where("id", "=", conversationId)
      .executeTakeFirst();
  }

  /**
   * The user messages (not deleted) in (fromSeq, toSeq], newest first, at most `limit`: older
   * ones could only be named by a notification that a newer one replaces (collapse).
   */
  async messages(conversationId: number, fromSeq: number, toSeq: number, limit: number): Promise<PlannedMessage[]> {
    const rows = await this.store.db
      .selectFrom("messages")
      .select(["id", "seq", "sender_id", "content", "mentions", "reply_to_id"])
      .where("conversation_id", "=", conversationId)
      .where("seq", ">", fromSeq)
      .where("seq", "<=", toSeq)
      .where("kind", "=", "user")
      .where("deleted_at", "is", null)
      .orderBy("seq", "desc")
      .limit(limit)
      .execute();
    return rows.map((r) => ({
      id: Number(r.id),
      seq: Number(r.seq),
      senderId: Number(r.sender_id),
      content: r.content,
      mentions: r.mentions === null ? [] : (JSON.parse(r.mentions) as number[]).map(Number),
      replyToId: r.reply_to_id === null ? null : Number(r.reply_to_id),
    }));
  }

  /** Every current member and their read cursor: one index range of the conversation. */
  async members(conversationId: number): Promise<Map<number, number>> {
    const rows = await this.store.db
      .selectFrom("members")
      .select(["user_id", "read_seq"])
      .where("conversation_id", "=", conversationId)
      .execute();
    return new Map(rows.map((r) => [Number(r.user_id), Number(r.read_seq)]));
  }

  /** The authors of the messages `ids` (what replies quote). */
  async authors(ids: readonly number[]): Promise<Map<number, number>> {
    const out = new Map<number, number>();
    for (const chunk of chunks([...new Set(ids)], ID_CHUNK)) {
      const rows = await this.store.db.selectFrom("messages").select(["id", "sender_id"]).where("id", "in", chunk).execute();
      for (const r of rows) out.set(Number(r.id), Number(r.sender_id));
    }
    return out;
  }

  /** Of `userIds`, those with a connection on any node (a row in node_users). */
  async onlineAmong(userIds: readonly number[]): Promise<Set<number>> {
    const out = new Set<number>();
    for (const chunk of chunks(userIds, ID_CHUNK)) {
      const rows = await this.store.db
        .selectFrom("node_users")
        .select("user_id")
        .distinct()
        .where("user_id", "in", chunk)
        .execute();
      for (const r of rows) out.add(Number(r.user_id));
    }
    return out;
  }

  /** Of `userIds`, those who have the conversation muted at `now`. */
  async mutedAmong(conversationId: number, userIds: readonly number[], now: number): Promise<Set<number>> {
    const out = new Set<number>();
    for (const chunk of chunks(userIds, ID_CHUNK)) {
      const rows = await this.store.db
        .selectFrom("mutes")
        .select("user_id")
        .where("conversation_id", "=", conversationId)
        .where("user_id", "in", chunk)
        .where((eb) => eb.or([eb("muted_until", "is", null), eb("muted_until", ">", now)]))
        .execute();
      for (const r of rows) out.add(Number(r.user_id));
    }
    return out;
  }

  /** Of the pairs (user, sender), as "user:sender", those where the user blocks the sender. */
  async blocking(userIds: readonly number[], senderIds: readonly number[]): Promise<Set<string>> {
    const out = new Set<string>();
    const senders = [...new Set(senderIds)];
    if (senders.length === 0) return out;
    for (const senderChunk of chunks(senders, ID_CHUNK)) {
      for (const chunk of chunks(userIds, ID_CHUNK)) {
        const rows = await this.store.db
          .selectFrom("blocks")
          .select(["blocker_id", "blocked_id"])
          .where("blocked_id", "in", senderChunk)
          .where("blocker_id", "in", chunk)
          .execute();
        for (const r of rows) out.add(`${r.blocker_id}:${r.blocked_id}`);
      }
    }
    return out;
  }

  /** The name each user goes by: display name, else username (absent when neither). */
  async names(userIds: readonly number[]): Promise<Map<number, string>> {
    const out = new Map<number, string>();
    for (const chunk of chunks([...new Set(userIds)], ID_CHUNK)) {
      const rows = await this.store.db
        .selectFrom("users")
        .select(["id", "display_name", "username"])
        .where("id", "in", chunk)
        .execute();
      for (const r of rows) {
        const name = r.display_name ?? r.username;
        if (name) out.set(Number(r.id), name);
      }
    }
    return out;
  }

  /** Records, in the planning transaction, the latest seq each user was notified of. */
  async recordNotified(
    trx: Transaction<Database> | Kysely<Database>,
    conversationId: number,
    notified: readonly { userId: number; seq: number }[],
  ): Promise<void> {
    const { adapter } = this.store;
    for (const chunk of chunks(notified, 400)) {
      const insert = trx
        .insertInto("push_notified")
        .values(chunk.map((n) => ({ user_id: n.userId, conversation_id: conversationId, seq: n.seq })));
      await adapter.upsert(insert, ["user_id", "conversation_id"], { seq: adapter.excluded("seq") }).execute();
    }
  }

  /**
   * Of these read positions, the notified (user, conversation) pairs they have reached: the
   * notification's seq is at or below the read cursor. One query per 200 pairs.
   */
  async readPast(reads: readonly ReadPast[]): Promise<ReadPast[]> {
    const out: ReadPast[] = [];
    for (const chunk of chunks(reads, PAIR_CHUNK)) {
      const rows = await this.store.db
        .selectFrom("push_notified")
        .select(["user_id", "conversation_id", "seq"])
        .where((eb) =>
          eb.or(
            chunk.map((r) =>
              eb.and([eb("user_id", "=", r.userId), eb("conversation_id", "=", r.conversationId), eb("seq", "<=", r.seq)]),
            ),
          ),
        )
        .execute();
      for (const r of rows)
        out.push({ userId: Number(r.user_id), conversationId: Number(r.conversation_id), seq: Number(r.seq) });
    }
    return out;
  }

  /**
   * Forgets these notifications, each only if no newer one was recorded meanwhile (its seq is
   * still the one read), in the caller's transaction.
   */
  async forgetNotified(trx: Transaction<Database> | Kysely<Database>, done: readonly ReadPast[]): Promise<void> {
    for (const chunk of chunks(done, PAIR_CHUNK)) {
      await trx
        .deleteFrom("push_notified")
        .where((eb) =>
          eb.or(
            chunk.map((r) =>
              eb.and([eb("user_id", "=", r.userId), eb("conversation_id", "=", r.conversationId), eb("seq", "<=", r.seq)]),
            ),
          ),
        )
        .execute();
    }
  }

  /** Erasure: the user's notification records go with them. */
  async removeAllOf(userId: number): Promise<void> {
    await this.store.db.deleteFrom("push_notified").where("user_id", "=", userId).execute();
  }
}
