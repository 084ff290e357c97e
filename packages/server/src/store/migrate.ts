import { Migrator } from "kysely";
import type { Logger } from "pino";
import type { Store } from "./database.js";
import { allMigrations } from "./migrations/index.js";

/**
 * Brings the schema up to date. Kysely's Migrator takes a lock first (an advisory lock on
 * PostgreSQL, GET_LOCK on MySQL, the write lock on SQLite), so several nodes starting
 * together migrate once and the others wait, then find nothing to do.
 */
export async function migrateToLatest(store: Store, logger: Pick<Logger, "info" | "error">): Promise<string[]> {
  const migrator = new Migrator({
    db: store.db,
    provider: { getMigrations: async () => allMigrations(store.adapter.name) },
    migrationTableName: "chatapp_migration",
    migrationLockTableName: "chatapp_migration_lock",
  });
  const pending = (await migrator.getMigrations()).filter((m) => m.executedAt === undefined);
  if (pending.length > 0) {
    logger.info({ pending: pending.map((m) => m.name) }, `applying ${pending.length} migration(s)`);
  }
  const { error, results = [] } = await migrator.migrateToLatest();
  for (const r of results) {
    if (r.status === "Success") logger.info({ migration: r.migrationName }, "migration applied");
    else if (r.status === "Error") logger.error({ migration: r.migrationName }, "migration failed");
  }
  if (error) throw error instanceof Error ? error : new Error(String(error));
  return results.filter((r) => r.status === "Success").map((r) => r.migrationName);
}
