import type { Kysely } from "kysely";
import type { DatabaseConfig } from "../config.js";
import { adapterFor, type DialectAdapter } from "./dialects/index.js";
import { type BatchOptions, type BatchResult, insertBatch, type MessageDraft } from "./insert-batch.js";
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

/** Opens the configured database. The SQLite file and its folder are created if missing. */
export function openStore(config: DatabaseConfig, options: { poolSize?: number } & Partial<BatchOptions> = {}): Store {
  const adapter = adapterFor(config);
  const db = adapter.open(config, options.poolSize ?? 10);
  // Stores opened without push settings (the CLI, tools) write jobs due at once.
  const batchOptions: BatchOptions = { notificationDelayMs: options.notificationDelayMs ?? 0 };
  return {
    db,
    adapter,
    writeBatch: (drafts) => db.transaction().execute((trx) => insertBatch(trx, adapter, drafts, batchOptions)),
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
export function ensureDatabaseExists(config: DatabaseConfig): Promise<void> {
  return adapterFor(config).ensureDatabaseExists(config);
}
