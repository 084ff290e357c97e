import type { Kysely, Migration } from "kysely";
import type { DialectName } from "../dialects/index.js";
import { tableSpelling } from "./table-spelling.js";

/**
 * Blocking and muting (integrations §3).
 *
 * - `blocks`: one row per (blocker, blocked). The key answers "whom does U block" and "has U
 *   blocked S"; the index on `blocked_id` answers "who blocks U", so a user's block pairs
 *   either way (what the send path caches) are two index ranges.
 * - `mutes`: one row per (user, conversation); `muted_until` NULL is a mute until removed.
 *   The index on `conversation_id` answers "which members muted this conversation" for a
 *   message's notifications.
 */
export function blocksAndMutesMigration(dialect: DialectName): Migration {
  const spell = tableSpelling(dialect);
  return {
    async up(db: Kysely<any>) {
      await spell
        .table(
          db.schema
            .createTable("blocks")
            .addColumn("blocker_id", "bigint", (c) => c.notNull())
            .addColumn("blocked_id", "bigint", (c) => c.notNull())
            .addColumn("created_at", "bigint", (c) => c.notNull())
            .addPrimaryKeyConstraint("blocks_pk", ["blocker_id", "blocked_id"]),
        )
        .execute();
      await db.schema.createIndex("blocks_blocked_idx").on("blocks").columns(["blocked_id", "blocker_id"]).execute();
      await spell
        .table(
          db.schema
            .createTable("mutes")
            .addColumn("user_id", "bigint", (c) => c.notNull())
            .addColumn("conversation_id", "bigint", (c) => c.notNull())
            .addColumn("muted_until", "bigint")
            .addColumn("created_at", "bigint", (c) => c.notNull())
            .addPrimaryKeyConstraint("mutes_pk", ["user_id", "conversation_id"]),
        )
        .execute();
      await db.schema.createIndex("mutes_conversation_idx").on("mutes").columns(["conversation_id", "user_id"]).execute();
    },
    async down(db: Kysely<any>) {
      await db.schema.dropTable("mutes").ifExists().execute();
      await db.schema.dropTable("blocks").ifExists().execute();
    },
  };
}
