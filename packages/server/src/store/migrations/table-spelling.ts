import { type ColumnDefinitionBuilder, type CreateTableBuilder, sql } from "kysely";
import type { DialectName } from "../dialects/index.js";

/**
 * How new migrations spell what differs per dialect (001–005 spell it inline and, having
 * shipped, stay as they are): an auto-increment BIGINT id, and MySQL tables in InnoDB with
 * utf8mb4 whatever the server's default.
 */
export function tableSpelling(dialect: DialectName) {
  return {
    /** SQLite's INTEGER PRIMARY KEY is the 64-bit rowid; PostgreSQL has bigserial. */
    idType: dialect === "sqlite" ? "integer" : dialect === "postgres" ? "bigserial" : "bigint",
    id: (c: ColumnDefinitionBuilder) => {
      const pk = c.primaryKey().notNull();
      return dialect === "mysql" ? pk.autoIncrement() : pk;
    },
    table: <T extends string>(t: CreateTableBuilder<T, any>) =>
      dialect === "mysql" ? t.modifyEnd(sql`engine=InnoDB default charset=utf8mb4 collate=utf8mb4_unicode_ci`) : t,
  } as const;
}
