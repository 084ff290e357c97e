import type { Kysely, Migration } from "kysely";

/**
 * Attachments (contract §3) are stored on their message as JSON, like link previews: a sent
 * upload never changes, so every read of a message (history, backlog, search, last_message)
 * carries them without a join. At most 10 entries of bounded fields (names are at most 255
 * bytes): a few KB, within MySQL's TEXT. NULL when the message has none. The uploads table
 * still says who may read each file (its message_id and conversation_id).
 */
export function attachmentsMigration(): Migration {
  return {
    async up(db: Kysely<any>) {
      await db.schema.alterTable("messages").addColumn("attachments", "text").execute();
    },
    async down(db: Kysely<any>) {
      await db.schema.alterTable("messages").dropColumn("attachments").execute();
    },
  };
}
