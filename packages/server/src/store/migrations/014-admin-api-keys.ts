import { type Kysely, type Migration, sql } from "kysely";
import type { DialectName } from "../dialects/index.js";
import { tableSpelling } from "./table-spelling.js";

/**
 * API keys and the admin API (integrations §1).
 *
 * - `api_keys`: keys made by `chatapp apikey create`. Only the key's SHA-256 (hex) is kept,
 *   unique, so a presented key is found by its hash; `name` is unique whether revoked or not,
 *   so a name in the audit log always means one key.
 * - `audit_log`: one row per admin action: which key, when, what, on what.
 * - `users.active`, `users.bot`, `users.ban_reason`: inactive users (deactivated or banned)
 *   keep their rows, memberships and messages; their tokens are refused.
 * - `erased_users`: ids whose account was erased; a token for one never provisions it again.
 */
export function adminApiKeysMigration(dialect: DialectName): Migration {
  const spell = tableSpelling(dialect);
  return {
    async up(db: Kysely<any>) {
      await spell
        .table(
          db.schema
            .createTable("api_keys")
            .addColumn("id", spell.idType, spell.id)
            // Compared exactly in every dialect (MySQL's default collation ignores case).
            .addColumn("name", dialect === "mysql" ? sql`varchar(64) collate utf8mb4_bin` : "varchar(64)", (c) => c.notNull())
            .addColumn("hash", "varchar(64)", (c) => c.notNull())
            .addColumn("created_at", "bigint", (c) => c.notNull())
            .addColumn("last_used_at", "bigint")
            .addColumn("revoked_at", "bigint"),
        )
        .execute();
      await db.schema.createIndex("api_keys_name_idx").on("api_keys").columns(["name"]).unique().execute();
      await db.schema.createIndex("api_keys_hash_idx").on("api_keys").columns(["hash"]).unique().execute();
      await spell
        .table(
          db.schema
            .createTable("audit_log")
            .addColumn("id", spell.idType, spell.id)
            .addColumn("key_name", "varchar(64)", (c) => c.notNull())
            .addColumn("action", "varchar(64)", (c) => c.notNull())
            .addColumn("target_type", "varchar(32)")
            .addColumn("target_id", "bigint")
            .addColumn("created_at", "bigint", (c) => c.notNull())
            .addColumn("detail", "text"),
        )
        .execute();
      await db.schema.createIndex("audit_log_created_idx").on("audit_log").columns(["created_at"]).execute();
      await db.schema
        .alterTable("users")
        .addColumn("active", "integer", (c) => c.notNull().defaultTo(1))
        .execute();
      await db.schema
        .alterTable("users")
        .addColumn("bot", "integer", (c) => c.notNull().defaultTo(0))
        .execute();
      await db.schema.alterTable("users").addColumn("ban_reason", "text").execute();
      await spell
        .table(
          db.schema
            .createTable("erased_users")
            .addColumn("user_id", "bigint", (c) => c.primaryKey().notNull())
            .addColumn("erased_at", "bigint", (c) => c.notNull()),
        )
        .execute();
    },
    async down(db: Kysely<any>) {
      await db.schema.dropTable("erased_users").ifExists().execute();
      await db.schema.alterTable("users").dropColumn("ban_reason").execute();
      await db.schema.alterTable("users").dropColumn("bot").execute();
      await db.schema.alterTable("users").dropColumn("active").execute();
      await db.schema.dropTable("audit_log").ifExists().execute();
      await db.schema.dropTable("api_keys").ifExists().execute();
    },
  };
}
