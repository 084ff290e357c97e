import type { Kysely, Migration } from "kysely";

/**
 * Replies and threads (contract §5-§6), on the message row:
 * - `reply_to_id`: the quoted message; the quote is read with the message, as it is now.
 * - `thread_root_id`: the thread a reply is in (threads are one level deep).
 * - `reply_count`, `last_reply_at` on a root: kept by the writer's transaction as replies are
 *   stored, and by the deletion of a reply, so reading a root never counts its replies.
 * The index lists a thread by seq (`?thread=`) and finds a root's newest reply.
 */
export function repliesThreadsMigration(): Migration {
  return {
    async up(db: Kysely<any>) {
      // One column per statement: SQLite adds them one at a time.
      await db.schema.alterTable("messages").addColumn("reply_to_id", "bigint").execute();
      await db.schema.alterTable("messages").addColumn("thread_root_id", "bigint").execute();
      await db.schema
        .alterTable("messages")
        .addColumn("reply_count", "integer", (c) => c.notNull().defaultTo(0))
        .execute();
      await db.schema.alterTable("messages").addColumn("last_reply_at", "bigint").execute();
      await db.schema.createIndex("messages_thread_idx").on("messages").columns(["thread_root_id", "seq"]).execute();
    },
    async down(db: Kysely<any>) {
      await db.schema.dropIndex("messages_thread_idx").on("messages").execute();
      for (const column of ["last_reply_at", "reply_count", "thread_root_id", "reply_to_id"]) {
        await db.schema.alterTable("messages").dropColumn(column).execute();
      }
    },
  };
}
