import { mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import SQLite from "better-sqlite3";
import { Kysely, SqliteDialect, sql } from "kysely";
import type { Database, MessageRow } from "../schema.js";
import { type DialectAdapter, errorCode } from "./adapter.js";
import { advanceReturning, excludedRow, onConflict } from "./shared.js";

/** SQLite through better-sqlite3: one file (created with its folder if missing), FTS5 search. */
export const sqliteAdapter: DialectAdapter<"sqlite"> = {
  name: "sqlite",
  open(config) {
    const memory = config.path === ":memory:";
    if (!memory) mkdirSync(dirname(resolve(config.path)), { recursive: true });
    const sqlite = new SQLite(memory ? ":memory:" : resolve(config.path));
    sqlite.pragma("journal_mode = WAL");
    // FULL: a committed (and so acknowledged) message survives a power cut, not just a crash.
    sqlite.pragma("synchronous = FULL");
    sqlite.pragma("foreign_keys = ON");
    sqlite.pragma("busy_timeout = 5000");
    return new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }) });
  },
  // SQLite creates its file by itself (see open).
  ensureDatabaseExists: async () => {},
  supportsReturning: true,
  supportsForUpdate: false,
  ...onConflict,
  excluded: excludedRow,
  isUniqueViolation: (err) =>
    errorCode(err)?.startsWith("SQLITE_CONSTRAINT_UNIQUE") === true || errorCode(err) === "SQLITE_CONSTRAINT_PRIMARYKEY",
  isRetryable: (err) => errorCode(err) === "SQLITE_BUSY",
  indexMessages: async (trx, fromId, toId) => {
    await sql`insert into messages_fts(rowid, content) select id, content from messages where id >= ${fromId} and id <= ${toId}`.execute(
      trx,
    );
  },
  async search(db, scope, terms, limit, offset) {
    const match = terms.map((t) => `"${t}"*`).join(" ");
    const { rows } = await sql<MessageRow>`select m.* from messages_fts f
          join messages m on m.id = f.rowid ${scope} and messages_fts match ${match}
          order by bm25(messages_fts), m.id desc limit ${limit} offset ${offset}`.execute(db);
    return rows;
  },
  advanceCursors: (db, chunk) => advanceReturning(db, false, chunk),
};

/**
 * Kysely prepares every query anew; better-sqlite3 statements can be reused. The hot path
 * repeats the same few statement texts (batches of the same size, cursor updates), so an LRU
 * of prepared statements saves parsing and planning each time.
 */
function withStatementCache(sqlite: SQLite.Database, size = 256): SQLite.Database {
  const cache = new Map<string, SQLite.Statement>();
  return new Proxy(sqlite, {
    get(target, property, receiver) {
      if (property !== "prepare") return Reflect.get(target, property, receiver);
      return (source: string) => {
        let statement = cache.get(source);
        if (statement) {
          cache.delete(source);
        } else {
          statement = target.prepare(source);
          if (cache.size >= size) cache.delete(cache.keys().next().value as string);
        }
        cache.set(source, statement);
        return statement;
      };
    },
  });
}
