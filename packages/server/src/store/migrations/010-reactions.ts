import { type Kysely, type Migration, sql } from "kysely";
import type { DialectName } from "../dialects/index.js";
import { tableSpelling } from "./table-spelling.js";

/**
 * Reactions (issue 16, contract §8): one row per (message, user, emoji). The id orders a
 * message's emoji by when each was first added. A message's reactions are read for a whole
 * page at once by `message_id`, so the unique key leads with it and also serves the counts.
 * MySQL compares the emoji byte for byte (utf8mb4_bin): its general collations weigh many
 * emoji the same, and would take 👎 for 👍.
 */
export function reactionsMigration(dialect: DialectName): Migration {
  const spell = tableSpelling(dialect);
  return {
    async up(db: Kysely<any>) {
      await spell
        .table(
          db.schema
            .createTable("reactions")
            .addColumn("id", spell.idType, spell.id)
            .addColumn("message_id", "bigint", (c) => c.notNull())
            .addColumn("user_id", "bigint", (c) => c.notNull())
            .addColumn(
              "emoji",
              dialect === "mysql" ? sql`varchar(64) character set utf8mb4 collate utf8mb4_bin` : "varchar(64)",
              (c) => c.notNull(),
            )
            .addColumn("created_at", "bigint", (c) => c.notNull()),
        )
        .execute();
      await db.schema
        .createIndex("reactions_message_emoji_user_idx")
        .on("reactions")
        .columns(["message_id", "emoji", "user_id"])
        .unique()
        .execute();
    },
    async down(db: Kysely<any>) {
      await db.schema.dropTable("reactions").ifExists().execute();
    },
  };
}
