import { type CreateTableBuilder, type Kysely, type Migration, sql } from "kysely";
import type { DialectName } from "../dialects/index.js";

/** Users, presence, conversations (direct and group), members with cursors, messages. */
export function initialMigration(dialect: DialectName): Migration {
  // Auto-increment BIGINT primary keys, spelled per dialect. SQLite's INTEGER PRIMARY KEY is
  // the 64-bit rowid.
  const idType = dialect === "sqlite" ? "integer" : dialect === "postgres" ? "bigserial" : "bigint";
  const withId = <T extends string>(t: CreateTableBuilder<T, never>) =>
    t.addColumn("id", idType, (c) => {
      const pk = c.primaryKey().notNull();
      return dialect === "mysql" ? pk.autoIncrement() : pk;
    });
  // MySQL tables get utf8mb4 whatever the server's default, so every character fits.
  const finish = <T extends string>(t: CreateTableBuilder<T, any>) =>
    dialect === "mysql" ? t.modifyEnd(sql`engine=InnoDB default charset=utf8mb4 collate=utf8mb4_unicode_ci`) : t;

  return {
    async up(db: Kysely<any>) {
      const clientIdCollation = dialect === "mysql" ? await binaryNoPadCollation(db) : undefined;
      await finish(
        withId(db.schema.createTable("users"))
          .addColumn("username", "varchar(32)", (c) => c.unique())
          .addColumn("display_name", "varchar(64)")
          .addColumn("password_hash", "varchar(255)")
          .addColumn("created_at", "bigint", (c) => c.notNull()),
      ).execute();

      await finish(
        db.schema
          .createTable("user_status")
          .addColumn("user_id", "bigint", (c) => c.primaryKey().notNull())
          .addColumn("status", "varchar(16)", (c) => c.notNull())
          .addColumn("last_seen", "bigint"),
      ).execute();

      await finish(
        withId(db.schema.createTable("conversations"))
          .addColumn("kind", "varchar(8)", (c) => c.notNull())
          .addColumn("title", "varchar(128)")
          .addColumn("direct_key", "varchar(48)", (c) => c.unique())
          .addColumn("last_seq", "bigint", (c) => c.notNull().defaultTo(0))
          .addColumn("created_by", "bigint")
          .addColumn("created_at", "bigint", (c) => c.notNull())
          .addColumn("last_activity_at", "bigint", (c) => c.notNull()),
      ).execute();

      await finish(
        db.schema
          .createTable("members")
          .addColumn("conversation_id", "bigint", (c) => c.notNull().references("conversations.id"))
          .addColumn("user_id", "bigint", (c) => c.notNull())
          .addColumn("role", "varchar(8)", (c) => c.notNull().defaultTo("member"))
          .addColumn("delivered_seq", "bigint", (c) => c.notNull().defaultTo(0))
          .addColumn("read_seq", "bigint", (c) => c.notNull().defaultTo(0))
          .addColumn("joined_at", "bigint", (c) => c.notNull())
          .addPrimaryKeyConstraint("members_pk", ["conversation_id", "user_id"]),
      ).execute();
      await db.schema.createIndex("members_user_idx").on("members").columns(["user_id", "conversation_id"]).execute();

      await finish(
        withId(db.schema.createTable("messages"))
          .addColumn("conversation_id", "bigint", (c) => c.notNull().references("conversations.id"))
          .addColumn("seq", "bigint", (c) => c.notNull())
          .addColumn("sender_id", "bigint", (c) => c.notNull())
          .addColumn("client_id", "varchar(64)", (c) =>
            clientIdCollation ? c.modifyEnd(sql.raw(`collate ${clientIdCollation}`)) : c,
          )
          .addColumn("content", "text", (c) => c.notNull())
          .addColumn("created_at", "bigint", (c) => c.notNull())
          .addColumn("edited_at", "bigint")
          .addColumn("deleted_at", "bigint")
          .addUniqueConstraint("messages_conversation_seq_uq", ["conversation_id", "seq"])
          .addUniqueConstraint("messages_sender_client_uq", ["sender_id", "client_id"]),
      ).execute();
    },
    async down(db: Kysely<any>) {
      for (const table of ["messages", "members", "conversations", "user_status", "users"]) {
        await db.schema.dropTable(table).ifExists().execute();
      }
    },
  };
}

/**
 * client_id is compared byte for byte, as the server compares it. MySQL's default collations
 * would call "abc", "ABC" and "abc " one id; even utf8mb4_bin pads, so "abc " = "abc". The
 * NO PAD binary collation is named differently by MariaDB and MySQL 8 (5.7 has none).
 */
async function binaryNoPadCollation(db: Kysely<any>): Promise<string> {
  const { rows } = await sql<{ version: string }>`select version() as version`.execute(db);
  const version = rows[0]?.version ?? "";
  if (/mariadb/i.test(version)) return "utf8mb4_nopad_bin";
  return Number.parseInt(version, 10) >= 8 ? "utf8mb4_0900_bin" : "utf8mb4_bin";
}
