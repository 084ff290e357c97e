import type { Store } from "./database.js";
import type { AuditLogTable } from "./schema.js";

export type AuditEntry = Omit<AuditLogTable, "id">;

/** The `audit_log` table (migration 014): admin actions, appended only. */
export class AuditRepo {
  constructor(private readonly store: Store) {}

  async append(entry: AuditEntry): Promise<void> {
    await this.store.db.insertInto("audit_log").values(entry).execute();
  }

  /** The newest entries first, `before_id` pages back. */
  list(limit: number, beforeId?: number) {
    let query = this.store.db.selectFrom("audit_log").selectAll().orderBy("id", "desc").limit(limit);
    if (beforeId !== undefined) query = query.where("id", "<", beforeId);
    return query.execute();
  }
}
