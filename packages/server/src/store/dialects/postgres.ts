import { Kysely, PostgresDialect, sql } from "kysely";
import pg from "pg";
import type { Database, MessageRow } from "../schema.js";
import { type DialectAdapter, errorCode } from "./adapter.js";
import { advanceReturning, excludedRow, onConflict } from "./shared.js";

// PostgreSQL returns BIGINT (and COUNT) as strings; ids and timestamps fit a double exactly.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));

/** PostgreSQL through pg: tsvector search, UPDATE … FROM (VALUES …) with typed values. */
export const postgresAdapter: DialectAdapter<"postgres"> = {
  name: "postgres",
  open(config, poolSize) {
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
    return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  },
  async ensureDatabaseExists(config) {
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
  },
  supportsReturning: true,
  supportsForUpdate: true,
  ...onConflict,
  excluded: excludedRow,
  isUniqueViolation: (err) => errorCode(err) === "23505",
  isRetryable: (err) => errorCode(err) === "40P01" || errorCode(err) === "40001",
  async search(db, scope, terms, limit, offset) {
    const match = terms.map((t) => `${t}:*`).join(" & ");
    const { rows } = await sql<MessageRow & { content_tsv?: unknown }>`select m.* from messages m ${scope}
          and m.content_tsv @@ to_tsquery('simple', ${match})
          order by ts_rank(m.content_tsv, to_tsquery('simple', ${match})) desc, m.id desc limit ${limit} offset ${offset}`.execute(
      db,
    );
    return rows.map(({ content_tsv: _tsv, ...row }) => row);
  },
  advanceCursors: (db, chunk) => advanceReturning(db, true, chunk),
};
