import type { Kysely, Migration } from "kysely";
import type { DialectName } from "../dialects/index.js";
import { tableSpelling } from "./table-spelling.js";

/**
 * Moderation (integrations contract §5).
 *
 * - `reports`: one row per (message, reporter) — a unique key, so a repeat finds the first
 *   report even when two arrive at once. The message's conversation, sender and content are
 *   copied in when reported: the report stays what the reporter saw, whatever happens to the
 *   message afterwards (an edit, a delete, retention). Admins page by (status, id).
 * - `messages_created_idx`: retention removes messages by age, oldest first, a batch at a time;
 *   without it each batch would scan the table.
 * - `job_leases`: one row per cluster-wide job (retention): which node holds it until when,
 *   and when its next round is due. Claiming is one conditional UPDATE, so exactly one node
 *   wins a round on every dialect (SQLite included).
 */
export function moderationMigration(dialect: DialectName): Migration {
  const spell = tableSpelling(dialect);
  return {
    async up(db: Kysely<any>) {
      await spell
        .table(
          db.schema
            .createTable("reports")
            .addColumn("id", spell.idType, spell.id)
            .addColumn("message_id", "bigint", (c) => c.notNull())
            .addColumn("conversation_id", "bigint", (c) => c.notNull())
            .addColumn("sender_id", "bigint", (c) => c.notNull())
            .addColumn("reporter_id", "bigint", (c) => c.notNull())
            .addColumn("reason", "text", (c) => c.notNull())
            .addColumn("content", "text", (c) => c.notNull())
            .addColumn("status", "varchar(16)", (c) => c.notNull())
            .addColumn("created_at", "bigint", (c) => c.notNull()),
        )
        .execute();
      await db.schema
        .createIndex("reports_message_reporter_idx")
        .on("reports")
        .columns(["message_id", "reporter_id"])
        .unique()
        .execute();
      await db.schema.createIndex("reports_status_idx").on("reports").columns(["status", "id"]).execute();
      await db.schema.createIndex("reports_reporter_idx").on("reports").columns(["reporter_id"]).execute();
      await db.schema.createIndex("messages_created_idx").on("messages").columns(["created_at"]).execute();
      await spell
        .table(
          db.schema
            .createTable("job_leases")
            .addColumn("name", "varchar(64)", (c) => c.primaryKey().notNull())
            .addColumn("holder", "varchar(64)")
            .addColumn("lease_until", "bigint", (c) => c.notNull().defaultTo(0))
            .addColumn("next_run_at", "bigint", (c) => c.notNull().defaultTo(0)),
        )
        .execute();
    },
    async down(db: Kysely<any>) {
      await db.schema.dropTable("job_leases").ifExists().execute();
      await db.schema.dropIndex("messages_created_idx").on("messages").execute();
      await db.schema.dropTable("reports").ifExists().execute();
    },
  };
}
