import { type Kysely, type Migration, sql } from "kysely";
import type { DialectName } from "../dialects/index.js";
import { searchName } from "../search-name.js";

/**
 * System messages (membership and title changes recorded in history), and each dialect's own
 * full-text index over message content, kept in step on insert, edit and delete:
 * SQLite FTS5 (external content table + triggers), MySQL/MariaDB InnoDB FULLTEXT, PostgreSQL
 * a generated tsvector column with a GIN index.
 */
export function groupsAndSearchMigration(dialect: DialectName): Migration {
  return {
    async up(db: Kysely<any>) {
      await db.schema
        .alterTable("messages")
        .addColumn("kind", "varchar(8)", (c) => c.notNull().defaultTo("user"))
        .execute();
      await db.schema.alterTable("messages").addColumn("system_event", "text").execute();
      // The user directory searches names lower-cased by the server (SQLite's lower() knows
      // only ASCII, so the database cannot do it alike everywhere).
      await db.schema.alterTable("users").addColumn("search_name", "varchar(200)").execute();
      const named = await db
        .selectFrom("users")
        .select(["id", "username", "display_name"])
        .where("username", "is not", null)
        .execute();
      for (const u of named) {
        await db
          .updateTable("users")
          .set({ search_name: searchName(u.username, u.display_name) })
          .where("id", "=", u.id)
          .execute();
      }
      // The conversation list orders a user's conversations by activity.
      await db.schema.createIndex("conversations_activity_idx").on("conversations").columns(["last_activity_at", "id"]).execute();

      switch (dialect) {
        case "sqlite":
          await sql`create virtual table messages_fts using fts5(content, content='messages', content_rowid='id', tokenize='unicode61 remove_diacritics 2')`.execute(
            db,
          );
          await sql`insert into messages_fts(rowid, content) select id, content from messages`.execute(db);
          await sql`create trigger messages_fts_insert after insert on messages begin
            insert into messages_fts(rowid, content) values (new.id, new.content);
          end`.execute(db);
          await sql`create trigger messages_fts_delete after delete on messages begin
            insert into messages_fts(messages_fts, rowid, content) values ('delete', old.id, old.content);
          end`.execute(db);
          await sql`create trigger messages_fts_update after update of content on messages begin
            insert into messages_fts(messages_fts, rowid, content) values ('delete', old.id, old.content);
            insert into messages_fts(rowid, content) values (new.id, new.content);
          end`.execute(db);
          break;
        case "mysql":
          await sql`alter table messages add fulltext index messages_content_ft (content)`.execute(db);
          break;
        case "postgres":
          await sql`alter table messages add column content_tsv tsvector generated always as (to_tsvector('simple', content)) stored`.execute(
            db,
          );
          await sql`create index messages_content_tsv_idx on messages using gin (content_tsv)`.execute(db);
          break;
      }
    },
    async down(db: Kysely<any>) {
      switch (dialect) {
        case "sqlite":
          for (const t of ["messages_fts_insert", "messages_fts_delete", "messages_fts_update"]) {
            await sql`drop trigger if exists ${sql.raw(t)}`.execute(db);
          }
          await sql`drop table if exists messages_fts`.execute(db);
          break;
        case "mysql":
          await sql`alter table messages drop index messages_content_ft`.execute(db);
          break;
        case "postgres":
          await sql`alter table messages drop column content_tsv`.execute(db);
          break;
      }
      await db.schema.dropIndex("conversations_activity_idx").on("conversations").execute();
      await db.schema.alterTable("messages").dropColumn("system_event").execute();
      await db.schema.alterTable("users").dropColumn("search_name").execute();
      await db.schema.alterTable("messages").dropColumn("kind").execute();
    },
  };
}
