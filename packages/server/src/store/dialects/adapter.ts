import type { InsertQueryBuilder, Kysely, RawBuilder } from "kysely";
import type { DatabaseConfig } from "../../config.js";
import type { Database, MessageRow } from "../schema.js";

export type DialectName = DatabaseConfig["dialect"];

/** The configuration of one dialect, as config.ts parsed it from the URL. */
export type DialectConfig<N extends DialectName = DialectName> = Extract<DatabaseConfig, { dialect: N }>;

/** One member's cursor move, as cursor-moves.ts hands it to a dialect. */
export interface CursorMove {
  conversationId: number;
  userId: number;
  delivered: number;
  read: number;
}

export interface CursorRow {
  conversation_id: number;
  user_id: number;
  delivered_seq: number;
  read_seq: number;
}

/**
 * Everything that differs between the databases, so repositories stay free of dialect
 * if-chains: each dialect implements this in its own file (dialects/<name>.ts), and a new
 * dialect is one new file plus one line in dialects/index.ts.
 */
export interface DialectAdapter<N extends DialectName = DialectName> {
  name: N;
  /** Opens the pool (or file) with this dialect's session settings. */
  open(config: DialectConfig<N>, poolSize: number): Kysely<Database>;
  /** Creates the configured database if it does not exist yet, so a first start needs no manual step. */
  ensureDatabaseExists(config: DialectConfig<N>): Promise<void>;
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
  /**
   * Full-text search with this dialect's own index and ranking: every word must match (as a
   * prefix); best match first, then newest. `scope` joins `m` to the user's memberships.
   */
  search(db: Kysely<Database>, scope: RawBuilder<unknown>, terms: string[], limit: number, offset: number): Promise<MessageRow[]>;
  /**
   * Moves one chunk of cursors forward (never back) in as few statements as the dialect
   * allows; returns the rows that moved, as stored after.
   */
  advanceCursors(db: Kysely<Database>, chunk: CursorMove[]): Promise<CursorRow[]>;
}

/** The driver's error code (a string in all three drivers), if the error has one. */
export const errorCode = (err: unknown): string | undefined =>
  typeof err === "object" && err !== null && "code" in err ? String((err as { code: unknown }).code) : undefined;
