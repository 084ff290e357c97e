import { mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import SQLite from "better-sqlite3";
import { CompiledQuery, Kysely, MysqlDialect, PostgresDialect, SqliteDialect } from "kysely";
import { createPool as createMysqlPool } from "mysql2";
import pg from "pg";
import type { DatabaseConfig } from "../config.js";
import { ADAPTERS, type DialectAdapter } from "./dialect.js";
import { type BatchResult, insertBatch, type MessageDraft } from "./insert-batch.js";
import type { Database } from "./schema.js";

export interface Store {
  db: Kysely<Database>;
  adapter: DialectAdapter;
  /** Stores a group-commit batch in one transaction (see insert-batch.ts). */
  writeBatch(drafts: MessageDraft[]): Promise<BatchResult[]>;
  /** Answers within a few seconds whether the database is reachable. */
  ping(): Promise<boolean>;
  destroy(): Promise<void>;
}

// PostgreSQL returns BIGINT (and COUNT) as strings; ids and timestamps fit a double exactly.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));

/** Opens the configured database. The SQLite file and its folder are created if missing. */
export function openStore(config: DatabaseConfig, options: { poolSize?: number } = {}): Store {
  const poolSize = options.poolSize ?? 10;
  let db: Kysely<Database>;
  switch (config.dialect) {
    case "sqlite": {
      const memory = config.path === ":memory:";
      if (!memory) mkdirSync(dirname(resolve(config.path)), { recursive: true });
      const sqlite = new SQLite(memory ? ":memory:" : resolve(config.path));
      sqlite.pragma("journal_mode = WAL");
      // FULL: a committed (and so acknowledged) message survives a power cut, not just a crash.
      sqlite.pragma("synchronous = FULL");
      sqlite.pragma("foreign_keys = ON");
      sqlite.pragma("busy_timeout = 5000");
      db = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }) });
      break;
    }
    case "mysql": {
      const pool = createMysqlPool({
        host: config.host,
        port: config.port,
        user: config.user,
        password: config.password,
        database: config.database,
        connectionLimit: poolSize,
        charset: "utf8mb4",
        timezone: "Z",
        supportBigNumbers: true,
        bigNumberStrings: false,
        connectTimeout: 5000,
        enableKeepAlive: true,
      });
      db = new Kysely<Database>({
        dialect: new MysqlDialect({
          pool,
          // READ COMMITTED: no gap locks. Under REPEATABLE READ, message transactions of
          // different nodes, each moving its conversations to the end of the activity index,
          // waited on each other's locks there; nothing here relies on repeatable reads (seqs
          // are reserved under row locks, repeats are caught by unique keys).
          onCreateConnection: async (connection) => {
            await connection.executeQuery(CompiledQuery.raw("SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED"));
          },
        }),
      });
      break;
    }
    case "postgres": {
      const pool = new pg.Pool({
        connectionString: config.connectionString,
        max: poolSize,
        connectionTimeoutMillis: 5000,
      });
      // A client losing its server must not crash the process. pg emits "error" on idle clients
      // through the pool, and on checked-out ones (mid-query) on the client itself, where
      // nothing listens by default; the failing query is rejected either way and reports it.
      pool.on("error", () => {});
      pool.on("connect", (client) => client.on("error", () => {}));
      db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
      break;
    }
  }
  const adapter = ADAPTERS[config.dialect];
  return {
    db,
    adapter,
    writeBatch: (drafts) => db.transaction().execute((trx) => insertBatch(trx, adapter, drafts)),
    async ping() {
      try {
        await withTimeout(db.selectNoFrom((eb) => eb.lit(1).as("one")).execute(), 3000);
        return true;
      } catch {
        return false;
      }
    },
    destroy: () => db.destroy(),
  };
}

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

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/**
 * Creates the MySQL database or PostgreSQL database named in the configuration if it does not
 * exist yet, so a first start needs no manual step. SQLite creates its file by itself.
 */
export async function ensureDatabaseExists(config: DatabaseConfig): Promise<void> {
  if (config.dialect === "mysql") {
    const { createConnection } = await import("mysql2/promise");
    const conn = await createConnection({
      host: config.host,
      port: config.port,
      user: config.user,
      password: config.password,
      connectTimeout: 5000,
    });
    try {
      await conn.query(
        `CREATE DATABASE IF NOT EXISTS \`${config.database.replace(/`/g, "``")}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`,
      );
    } finally {
      await conn.end();
    }
  } else if (config.dialect === "postgres") {
    const url = new URL(config.connectionString);
    const name = decodeURIComponent(url.pathname.replace(/^\//, ""));
    if (!name) return;
    const probe = new pg.Client({ connectionString: config.connectionString, connectionTimeoutMillis: 5000 });
    try {
      await probe.connect();
      return;
    } catch (err) {
      // 3D000: invalid_catalog_name, the database does not exist.
      if ((err as { code?: string }).code !== "3D000") throw err;
    } finally {
      await probe.end().catch(() => {});
    }
    url.pathname = "/postgres";
    const admin = new pg.Client({ connectionString: url.toString(), connectionTimeoutMillis: 5000 });
    await admin.connect();
    try {
      await admin.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
    } catch (err) {
      // 42P04 (or 23505, when both ran at the same instant): another node created it first.
      const code = (err as { code?: string }).code;
      if (code !== "42P04" && code !== "23505") throw err;
    } finally {
      await admin.end();
    }
  }
}
