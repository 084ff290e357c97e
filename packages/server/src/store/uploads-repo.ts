import type { UploadFacts } from "./attachment-of.js";
import type { Store } from "./database.js";
import type { UploadRow } from "./schema.js";

/** The uploads table (migration 006). */
export class UploadsRepo {
  constructor(private readonly store: Store) {}

  /** A row for an upload whose bytes are on their way (not ready); returns its id. */
  async begin(uploaderId: number, name: string, now: number): Promise<number> {
    const { db, adapter } = this.store;
    const insert = db
      .insertInto("uploads")
      .values({ uploader_id: uploaderId, name, content_type: "application/octet-stream", created_at: now });
    if (adapter.supportsReturning) return (await insert.returning("id").executeTakeFirstOrThrow()).id;
    return Number((await insert.executeTakeFirstOrThrow()).insertId);
  }

  /** The bytes are stored: the upload may be served and sent. */
  async finish(id: number, facts: UploadFacts): Promise<void> {
    await this.store.db
      .updateTable("uploads")
      .set({
        name: facts.name,
        content_type: facts.contentType,
        size: facts.size,
        width: facts.width,
        height: facts.height,
        has_thumbnail: facts.hasThumbnail ? 1 : 0,
        has_stripped: facts.hasStripped ? 1 : 0,
        ready: 1,
      })
      .where("id", "=", id)
      .execute();
  }

  find(id: number): Promise<UploadRow | undefined> {
    return this.store.db.selectFrom("uploads").selectAll().where("id", "=", id).executeTakeFirst();
  }

  /** Bytes the user keeps (sent and unsent uploads, those on their way included). */
  async bytesOf(uploaderId: number): Promise<number> {
    const row = await this.store.db
      .selectFrom("uploads")
      .select((eb) => eb.fn.sum<number | string | null>("size").as("total"))
      .where("uploader_id", "=", uploaderId)
      .executeTakeFirst();
    return Number(row?.total ?? 0);
  }

  /** Unsent uploads created before `before`, oldest first, at most `limit`. */
  unsentBefore(before: number, limit: number): Promise<Pick<UploadRow, "id" | "has_thumbnail">[]> {
    return this.store.db
      .selectFrom("uploads")
      .select(["id", "has_thumbnail"])
      .where("message_id", "is", null)
      .where("created_at", "<", before)
      .orderBy("created_at")
      .limit(limit)
      .execute();
  }

  /** Removes the uploads sent with a message; returns their ids (for their bytes). */
  async removeForMessage(messageId: number): Promise<number[]> {
    const { db } = this.store;
    const rows = await db.selectFrom("uploads").select("id").where("message_id", "=", messageId).execute();
    if (rows.length === 0) return [];
    await db.deleteFrom("uploads").where("message_id", "=", messageId).execute();
    return rows.map((r) => r.id);
  }

  /** Up to `limit` of the user's uploads, sent or not (an erasure removes them all, batch by batch). */
  async idsOfUploader(uploaderId: number, limit: number): Promise<number[]> {
    const rows = await this.store.db
      .selectFrom("uploads")
      .select("id")
      .where("uploader_id", "=", uploaderId)
      .limit(limit)
      .execute();
    return rows.map((r) => r.id);
  }

  /** Removes an upload's row; with `unsentOnly`, only while it has not been sent. True when a row went. */
  async remove(id: number, options: { unsentOnly?: boolean } = {}): Promise<boolean> {
    let query = this.store.db.deleteFrom("uploads").where("id", "=", id);
    if (options.unsentOnly) query = query.where("message_id", "is", null);
    const result = await query.executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }
}
