import type { AuditEntry } from "@chatapp/protocol";
import type { AuditRepo } from "../store/audit-repo.js";

/** What an admin action was done to. */
export interface AuditTarget {
  type: string;
  id: number | null;
}

/**
 * The audit log of the admin API: every admin route records here which key (its name) did
 * what, to what, and when. `detail` (JSON) may say more, never a secret or a message's text.
 */
export class AuditLog {
  constructor(private readonly repo: AuditRepo) {}

  async record(keyName: string, action: string, target?: AuditTarget, detail?: Record<string, unknown>): Promise<void> {
    await this.repo.append({
      key_name: keyName,
      action,
      target_type: target?.type ?? null,
      target_id: target?.id ?? null,
      created_at: Date.now(),
      detail: detail === undefined ? null : JSON.stringify(detail),
    });
  }

  /** Entries newest first, as the admin API shows them. */
  async list(limit: number, beforeId?: number): Promise<AuditEntry[]> {
    const rows = await this.repo.list(limit, beforeId);
    return rows.map((r) => ({
      id: r.id,
      key_name: r.key_name,
      action: r.action,
      target_type: r.target_type,
      target_id: r.target_id,
      created_at: new Date(Number(r.created_at)).toISOString(),
      detail: r.detail === null ? null : (JSON.parse(r.detail) as Record<string, unknown>),
    }));
  }
}
