import type { Kysely, Migration } from "kysely";
import type { DialectName } from "../dialects/index.js";
import { tableSpelling } from "./table-spelling.js";

/**
 * Uploaded files (issue 15): one row per upload, the bytes in the file store under
 * `uploads/<id>` (and `thumbnails/<id>`). A row is written before its bytes (the id names the
 * key) with `ready` 0, and made ready once the bytes are stored and examined; a row that never
 * got ready (a crash mid-upload) is unsent, so the sweeper removes it with the others.
 * `message_id`/`conversation_id` are set when the upload is sent; deleting the message removes
 * the row and the bytes (no deleted flag: a removed upload answers 404 like one that never was).
 */
export function uploadsMigration(dialect: DialectName): Migration {
  const spell = tableSpelling(dialect);
  return {
    async up(db: Kysely<any>) {
      await spell
        .table(
          db.schema
            .createTable("uploads")
            .addColumn("id", spell.idType, spell.id)
            .addColumn("uploader_id", "bigint", (c) => c.notNull())
            .addColumn("name", "varchar(255)", (c) => c.notNull())
            .addColumn("content_type", "varchar(64)", (c) => c.notNull())
            .addColumn("size", "bigint", (c) => c.notNull().defaultTo(0))
            .addColumn("width", "integer")
            .addColumn("height", "integer")
            .addColumn("has_thumbnail", "integer", (c) => c.notNull().defaultTo(0))
            .addColumn("ready", "integer", (c) => c.notNull().defaultTo(0))
            .addColumn("created_at", "bigint", (c) => c.notNull())
            .addColumn("message_id", "bigint")
            .addColumn("conversation_id", "bigint"),
        )
        .execute();
      // The sweeper: unsent (message_id null) and old. Also finds a message's attachments.
      await db.schema.createIndex("uploads_message_idx").on("uploads").columns(["message_id", "created_at"]).execute();
      // The quota: the bytes one user keeps.
      await db.schema.createIndex("uploads_uploader_idx").on("uploads").columns(["uploader_id"]).execute();
    },
    async down(db: Kysely<any>) {
      await db.schema.dropTable("uploads").ifExists().execute();
    },
  };
}
