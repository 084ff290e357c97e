import type { Transaction } from "kysely";
import type { Store } from "./database.js";
import { appendEvents } from "./outbox.js";
import type { Database, MessageRow } from "./schema.js";
import { recountReplies } from "./threads-repo.js";

/** Rows per export page and per erase transaction: each is a short transaction that never holds the chat up long. */
export const USER_DATA_BATCH = 500;

export type ExportedMessageRow = Pick<MessageRow, "id" | "conversation_id" | "seq" | "content" | "created_at" | "edited_at">;

/** A message an erasure deleted: what a `message.deleted` event names. */
export interface ErasedMessage {
  id: number;
  conversation_id: number;
  seq: number;
}

/** Runs inside each erase batch's transaction, with the messages it deleted (events that must commit with them). */
export type ErasedBatchHook = (trx: Transaction<Database>, deleted: ErasedMessage[]) => Promise<void>;

export interface MembershipRow {
  id: number;
  kind: "direct" | "group";
  title: string | null;
  role: "owner" | "member";
}

/**
 * A user's own data (integrations contract §1): what an export reads and what an erasure
 * ends. Other features' tables (blocks, reports, …) have their own repos, which chat/user-data.ts
 * calls through its sections.
 */
export class UserDataRepo {
  constructor(private readonly store: Store) {}

  /** The user's account row, or undefined when there is none. */
  account(userId: number) {
    return this.store.db.selectFrom("users").selectAll().where("id", "=", userId).executeTakeFirst();
  }

  /**
   * Marks the id erased (migration 014's erased_users): from now on its tokens are refused and
   * it is never provisioned again. A repeat keeps the first mark.
   */
  async markErased(userId: number, now: number): Promise<void> {
    const { db, adapter } = this.store;
    await adapter.insertIgnore(db.insertInto("erased_users").values({ user_id: userId, erased_at: now }), ["user_id"]).execute();
  }

  /** Every conversation the user is a member of, with their role, by id. */
  memberships(userId: number): Promise<MembershipRow[]> {
    return this.store.db
      .selectFrom("members")
      .innerJoin("conversations", "conversations.id", "members.conversation_id")
      .select(["conversations.id", "conversations.kind", "conversations.title", "members.role"])
      .where("members.user_id", "=", userId)
      .orderBy("conversations.id")
      .execute();
  }

  /**
   * A page of the messages the user sent that are not deleted (user messages only: a system
   * message records a change, not something they wrote), by id after `afterId`.
   */
  sentMessages(userId: number, afterId: number, limit = USER_DATA_BATCH): Promise<ExportedMessageRow[]> {
    return this.store.db
      .selectFrom("messages")
      .select(["id", "conversation_id", "seq", "content", "created_at", "edited_at"])
      .where("sender_id", "=", userId)
      .where("kind", "=", "user")
      .where("deleted_at", "is", null)
      .where("id", ">", afterId)
      .orderBy("id")
      .limit(limit)
      .execute();
  }

  /**
   * Deletes one batch of the user's messages as a delete by the author does: empty content
   * (so every dialect's full-text index drops it: SQLite's trigger, MySQL's FULLTEXT and
   * PostgreSQL's generated column follow `content`), `deleted_at` set, the same seq, no
   * files, previews, mentions or client_id; their reactions, pins and mention rows go, and
   * thread roots recount their replies. `hooks` run in the same transaction. Returns how many
   * were deleted (0: none left).
   */
  async eraseMessageBatch(userId: number, now: number, hooks: readonly ErasedBatchHook[] = []): Promise<number> {
    return this.store.db.transaction().execute(async (trx) => {
      const batch = await trx
        .selectFrom("messages")
        .select(["id", "conversation_id", "seq", "thread_root_id"])
        .where("sender_id", "=", userId)
        .where("kind", "=", "user")
        .where("deleted_at", "is", null)
        .orderBy("id")
        .limit(USER_DATA_BATCH)
        .execute();
      if (batch.length === 0) return 0;
      const ids = batch.map((m) => m.id);
      const result = await trx
        .updateTable("messages")
        .set({
          content: "",
          deleted_at: now,
          client_id: null,
          link_previews: null,
          attachments: null,
          mentions: null,
        })
        .where("id", "in", ids)
        .where("deleted_at", "is", null)
        .executeTakeFirst();
      await trx.deleteFrom("mentions").where("message_id", "in", ids).execute();
      await trx.deleteFrom("reactions").where("message_id", "in", ids).execute();
      await trx.deleteFrom("pins").where("message_id", "in", ids).execute();
      const roots = [...new Set(batch.flatMap((m) => (m.thread_root_id === null ? [] : [m.thread_root_id])))];
      for (const rootId of roots) await recountReplies(trx, rootId);
      const deleted = batch.map(({ id, conversation_id, seq }) => ({ id, conversation_id, seq }));
      // The app's backend mirrors messages through webhooks: each erased one is a deletion
      // there too, committed with it (no frames: see "Erase" in docs/protocol.md).
      await appendEvents(
        trx,
        deleted.map((m) => ({ type: "message.deleted", conversationId: m.conversation_id, data: m })),
        now,
      );
      for (const hook of hooks) await hook(trx, deleted);
      return Number(result.numUpdatedRows);
    });
  }

  /** The user's direct conversations: they are left with one member and no pair key. */
  directConversationIds(userId: number): Promise<number[]> {
    return this.store.db
      .selectFrom("members")
      .innerJoin("conversations", "conversations.id", "members.conversation_id")
      .select("conversations.id")
      .where("members.user_id", "=", userId)
      .where("conversations.kind", "=", "direct")
      .execute()
      .then((rows) => rows.map((r) => r.id));
  }

  /**
   * Ends the user's direct conversations for them: their membership (and cursors) go, and the
   * pair key is cleared, so an id created anew later starts a fresh conversation instead of
   * finding this one.
   */
  async leaveDirects(userId: number, conversationIds: number[]): Promise<void> {
    for (let start = 0; start < conversationIds.length; start += USER_DATA_BATCH) {
      const ids = conversationIds.slice(start, start + USER_DATA_BATCH);
      await this.store.db.transaction().execute(async (trx) => {
        await trx.deleteFrom("members").where("user_id", "=", userId).where("conversation_id", "in", ids).execute();
        await trx.updateTable("conversations").set({ direct_key: null }).where("id", "in", ids).execute();
      });
    }
  }

  /** The rest of the account: memberships left over, reactions, mention rows, presence, and the user row itself. */
  async deleteAccount(userId: number): Promise<void> {
    await this.store.db.transaction().execute(async (trx) => {
      await trx.deleteFrom("members").where("user_id", "=", userId).execute();
      await trx.deleteFrom("reactions").where("user_id", "=", userId).execute();
      await trx.deleteFrom("mentions").where("user_id", "=", userId).execute();
      await trx.deleteFrom("user_status").where("user_id", "=", userId).execute();
      await trx.deleteFrom("node_users").where("user_id", "=", userId).execute();
      await trx.deleteFrom("users").where("id", "=", userId).execute();
    });
  }
}
