import { type InsertQueryBuilder, type Kysely, type RawBuilder, sql } from "kysely";
import type { Database } from "./schema.js";

export type DialectName = "sqlite" | "mysql" | "postgres";

/**
 * What differs between the three databases, as data and small functions, so repositories
 * stay free of dialect if-chains.
 */
export interface DialectAdapter {
  name: DialectName;
  /** INSERT … RETURNING works (SQLite, PostgreSQL); MySQL needs a read-back. */
  supportsReturning: boolean;
  /**
   * SELECT … FOR UPDATE locks rows (MySQL, PostgreSQL). SQLite has no such clause and needs
   * none: its writes are serialized on one connection.
   */
  supportsForUpdate: boolean;
  /** The insert skips rows that would break a unique key. */
  insertIgnore<QB extends InsertQueryBuilder<any, any, any>>(qb: QB, conflictColumns: string[]): QB;
  /** The insert updates `set` on the row whose unique key it hits. */
  upsert<QB extends InsertQueryBuilder<any, any, any>>(qb: QB, conflictColumns: string[], set: Record<string, unknown>): QB;
  /** In an upsert's update, the value the insert proposed for `column`. */
  excluded(column: string): RawBuilder<unknown>;
  isUniqueViolation(err: unknown): boolean;
  /** A deadlock or serialization failure: the transaction may simply be tried again. */
  isRetryable(err: unknown): boolean;
  /**
   * Adds messages `fromId`..`toId`, just inserted in this transaction, to the full-text
   * index, where the database does not index them by itself (SQLite: one statement per
   * batch costs a fraction of a trigger firing for each row; see migration 003).
   */
  indexMessages?(trx: Kysely<Database>, fromId: number, toId: number): Promise<void>;
}

const code = (err: unknown): string | undefined =>
  typeof err === "object" && err !== null && "code" in err ? String((err as { code: unknown }).code) : undefined;

const excludedRow = (column: string) => sql`excluded.${sql.ref(column)}`;

const onConflict = {
  insertIgnore: (qb: any, cols: string[]) => qb.onConflict((oc: any) => oc.columns(cols).doNothing()),
  upsert: (qb: any, cols: string[], set: Record<string, unknown>) =>
    qb.onConflict((oc: any) => oc.columns(cols).doUpdateSet(set)),
};

export const ADAPTERS: Record<DialectName, DialectAdapter> = {
  sqlite: {
    name: "sqlite",
    supportsReturning: true,
    supportsForUpdate: false,
    ...onConflict,
    excluded: excludedRow,
    isUniqueViolation: (err) =>
      code(err)?.startsWith("SQLITE_CONSTRAINT_UNIQUE") === true || code(err) === "SQLITE_CONSTRAINT_PRIMARYKEY",
    isRetryable: (err) => code(err) === "SQLITE_BUSY",
    indexMessages: async (trx, fromId, toId) => {
      await sql`insert into messages_fts(rowid, content) select id, content from messages where id >= ${fromId} and id <= ${toId}`.execute(
        trx,
      );
    },
  },
  mysql: {
    name: "mysql",
    supportsReturning: false,
    supportsForUpdate: true,
    insertIgnore: (qb: any) => qb.ignore(),
    upsert: (qb: any, _cols: string[], set: Record<string, unknown>) => qb.onDuplicateKeyUpdate(set),
    excluded: (column: string) => sql`values(${sql.ref(column)})`,
    isUniqueViolation: (err) => code(err) === "ER_DUP_ENTRY",
    isRetryable: (err) => code(err) === "ER_LOCK_DEADLOCK" || code(err) === "ER_LOCK_WAIT_TIMEOUT",
  },
  postgres: {
    name: "postgres",
    supportsReturning: true,
    supportsForUpdate: true,
    ...onConflict,
    excluded: excludedRow,
    isUniqueViolation: (err) => code(err) === "23505",
    isRetryable: (err) => code(err) === "40P01" || code(err) === "40001",
  },
};

/**
 * Errors that mean "the database is not answering" rather than "this query is wrong":
 * callers turn them into `unavailable` (nothing stored, retry later).
 */
export function isConnectionError(err: unknown): boolean {
  const c = code(err);
  if (c === undefined) {
    const message = err instanceof Error ? err.message : "";
    return /connection|terminat|timeout|closed|destroyed|ECONNREFUSED/i.test(message);
  }
  return (
    [
      "ECONNREFUSED",
      "ECONNRESET",
      "ETIMEDOUT",
      "EPIPE",
      "ENOTFOUND",
      "EHOSTUNREACH",
      "PROTOCOL_CONNECTION_LOST",
      "PROTOCOL_SEQUENCE_TIMEOUT",
      "ER_CON_COUNT_ERROR",
      "SQLITE_BUSY",
      "SQLITE_IOERR",
      "SQLITE_FULL",
      "SQLITE_THREAD_EXITED",
      "57P01",
      "57P02",
      "57P03",
      "53300",
      "08000",
      "08003",
      "08006",
    ].includes(c) || c.startsWith("08")
  );
}
