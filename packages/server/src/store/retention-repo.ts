import type { Store } from "./database.js";
import { recountReplies } from "./threads-repo.js";

/** What one batch removed: how many messages, and the uploads whose bytes are to go too. */
export interface RemovedBatch {
  deleted: number;
  uploadIds: number[];
}

/**
 * Retention's storage work (integrations §5): removes the oldest messages created before a
 * cutoff, at most `limit` per transaction, with what hangs on them: reactions, pins,
 * mentions, uploads' rows (their bytes are the caller's), and the full-text index (SQLite's
 * FTS5 table by the delete trigger of migration 002; InnoDB's FULLTEXT and PostgreSQL's
 * tsvector live on the row itself). Conversations, their `last_seq` and members' cursors are
 * not touched: seq numbers are never reused, and a conversation stays, even when empty.
 * Reports keep their own copy of the content and stay (the moderators' record).
 */
export class RetentionRepo {
  constructor(private readonly store: Store) {}

  /** A deadlock or lock timeout: the batch may be tried again. */
  isRetryable(err: unknown): boolean {
    return this.store.adapter.isRetryable(err);
  }

  removeBatch(cutoff: number, limit: number): Promise<RemovedBatch> {
    return this.store.db.transaction().execute(async (trx) => {
      // Oldest first through messages_created_idx: a batch reads only the rows it removes.
      const rows = await trx
        .selectFrom("messages")
        .select(["id", "thread_root_id"])
        .where("created_at", "<", cutoff)
        .orderBy("created_at")
        .limit(limit)
        .execute();
      if (rows.length === 0) return { deleted: 0, uploadIds: [] };
      const ids = rows.map((r) => r.id);
      const uploads = await trx.selectFrom("uploads").select("id").where("message_id", "in", ids).execute();
      if (uploads.length > 0) await trx.deleteFrom("uploads").where("message_id", "in", ids).execute();
      await trx.deleteFrom("reactions").where("message_id", "in", ids).execute();
      await trx.deleteFrom("pins").where("message_id", "in", ids).execute();
      await trx.deleteFrom("mentions").where("message_id", "in", ids).execute();
      const result = await trx.deleteFrom("messages").where("id", "in", ids).executeTakeFirst();
      // A reply is newer than its root, so a kept root rarely loses replies (only with clocks
      // that disagree between nodes); when it does, its counters are recounted.
      const removed = new Set(ids);
      const roots = [...new Set(rows.flatMap((r) => (r.thread_root_id === null ? [] : [r.thread_root_id])))].filter(
        (id) => !removed.has(id),
      );
      for (const rootId of roots) await recountReplies(trx, rootId);
      return { deleted: Number(result.numDeletedRows), uploadIds: uploads.map((u) => u.id) };
    });
  }
}
