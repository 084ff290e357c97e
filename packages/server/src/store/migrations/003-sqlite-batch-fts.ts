import { type Kysely, type Migration, sql } from "kysely";
import type { DialectName } from "../dialects/index.js";

/**
 * SQLite: new messages are added to the FTS5 index by the message writer, one statement per
 * batch in the batch's own transaction (ADAPTERS.sqlite.indexMessages), instead of by a
 * trigger firing for every row, which cost about 11 µs per message, most of a batch's time.
 * Edits and deletes keep their triggers. The other databases index by themselves.
 */
export function sqliteBatchFtsMigration(dialect: DialectName): Migration {
  return {
    async up(db: Kysely<any>) {
      if (dialect === "sqlite") await sql`drop trigger if exists messages_fts_insert`.execute(db);
    },
    async down(db: Kysely<any>) {
      if (dialect !== "sqlite") return;
      await sql`create trigger messages_fts_insert after insert on messages begin
        insert into messages_fts(rowid, content) values (new.id, new.content);
      end`.execute(db);
    },
  };
}
