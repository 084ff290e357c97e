import type { Kysely, Migration } from "kysely";
import type { DialectName } from "../dialects/index.js";
import { tableSpelling } from "./table-spelling.js";

/**
 * Mentions and pins (contract §7, §9).
 *
 * - `messages.mentions`: JSON of the mentioned user ids, read with the message wherever it is
 *   read (like attachments); NULL when it mentions nobody.
 * - `mentions`: one row per (message, mentioned user), with the message's conversation and
 *   seq, so "unread mentions of user X" is an index range: (user_id, conversation_id, seq)
 *   above the member's read cursor. `by_id` is 1 when the send's `mentions` named the user
 *   (an edit keeps those and recomputes the `@username` ones).
 * - `pins`: one row per pinned message (a message is pinned at most once); its id orders a
 *   conversation's pins, newest first.
 */
export function mentionsAndPinsMigration(dialect: DialectName): Migration {
  const spell = tableSpelling(dialect);
  return {
    async up(db: Kysely<any>) {
      await db.schema.alterTable("messages").addColumn("mentions", "text").execute();
      await spell
        .table(
          db.schema
            .createTable("mentions")
            .addColumn("message_id", "bigint", (c) => c.notNull())
            .addColumn("user_id", "bigint", (c) => c.notNull())
            .addColumn("conversation_id", "bigint", (c) => c.notNull())
            .addColumn("seq", "bigint", (c) => c.notNull())
            .addColumn("by_id", "integer", (c) => c.notNull().defaultTo(0))
            .addPrimaryKeyConstraint("mentions_pk", ["message_id", "user_id"]),
        )
        .execute();
      await db.schema.createIndex("mentions_user_idx").on("mentions").columns(["user_id", "conversation_id", "seq"]).execute();
      await spell
        .table(
          db.schema
            .createTable("pins")
            .addColumn("id", spell.idType, spell.id)
            .addColumn("conversation_id", "bigint", (c) => c.notNull())
            .addColumn("message_id", "bigint", (c) => c.notNull())
            .addColumn("pinned_by", "bigint", (c) => c.notNull())
            .addColumn("pinned_at", "bigint", (c) => c.notNull()),
        )
        .execute();
      await db.schema.createIndex("pins_message_idx").on("pins").columns(["message_id"]).unique().execute();
      await db.schema.createIndex("pins_conversation_idx").on("pins").columns(["conversation_id", "id"]).execute();
    },
    async down(db: Kysely<any>) {
      await db.schema.dropTable("pins").ifExists().execute();
      await db.schema.dropTable("mentions").ifExists().execute();
      await db.schema.alterTable("messages").dropColumn("mentions").execute();
    },
  };
}
