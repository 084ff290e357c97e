import type { Store } from "./database.js";
import type { ReportRow } from "./schema.js";

export interface NewReport {
  messageId: number;
  conversationId: number;
  senderId: number;
  reporterId: number;
  reason: string;
  content: string;
  createdAt: number;
}

/** The reports table (migration 016): one report per (message, reporter). */
export class ReportsRepo {
  constructor(private readonly store: Store) {}

  /**
   * Stores the report unless this reporter already reported the message; answers the stored
   * report and whether it is the new one. The unique key decides between concurrent repeats.
   */
  async add(report: NewReport): Promise<{ row: ReportRow; created: boolean }> {
    const { db, adapter } = this.store;
    const insert = db.insertInto("reports").values({
      message_id: report.messageId,
      conversation_id: report.conversationId,
      sender_id: report.senderId,
      reporter_id: report.reporterId,
      reason: report.reason,
      content: report.content,
      status: "open",
      created_at: report.createdAt,
    });
    const result = await adapter.insertIgnore(insert, ["message_id", "reporter_id"]).executeTakeFirst();
    const created = Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
    const row = await this.byReporter(report.messageId, report.reporterId);
    if (!row) throw new Error(`report of message ${report.messageId} by ${report.reporterId} vanished after insert`);
    return { row, created };
  }

  byReporter(messageId: number, reporterId: number): Promise<ReportRow | undefined> {
    return this.store.db
      .selectFrom("reports")
      .selectAll()
      .where("message_id", "=", messageId)
      .where("reporter_id", "=", reporterId)
      .executeTakeFirst();
  }

  byId(id: number): Promise<ReportRow | undefined> {
    return this.store.db.selectFrom("reports").selectAll().where("id", "=", id).executeTakeFirst();
  }

  /** Newest first (by id), below `beforeId`; one more row is read to tell whether the page was cut. */
  async page(opts: { status?: ReportRow["status"] | undefined; beforeId?: number | undefined; limit: number }) {
    let query = this.store.db.selectFrom("reports").selectAll();
    if (opts.status !== undefined) query = query.where("status", "=", opts.status);
    if (opts.beforeId !== undefined) query = query.where("id", "<", opts.beforeId);
    const rows = await query
      .orderBy("id", "desc")
      .limit(opts.limit + 1)
      .execute();
    return { reports: rows.slice(0, opts.limit), hasMore: rows.length > opts.limit };
  }

  /** Sets a report's status; the row as stored, or undefined for an unknown id. */
  async setStatus(id: number, status: ReportRow["status"]): Promise<ReportRow | undefined> {
    await this.store.db.updateTable("reports").set({ status }).where("id", "=", id).execute();
    return this.byId(id);
  }

  /** A page of the reports a user made, by id after `afterId` (their export). */
  madeBy(
    reporterId: number,
    afterId: number,
    limit: number,
  ): Promise<Pick<ReportRow, "id" | "message_id" | "reason" | "created_at">[]> {
    return this.store.db
      .selectFrom("reports")
      .select(["id", "message_id", "reason", "created_at"])
      .where("reporter_id", "=", reporterId)
      .where("id", ">", afterId)
      .orderBy("id")
      .limit(limit)
      .execute();
  }

  /**
   * An erased user's part of the reports ends: the reports they made go, and the copies of
   * their own words kept in reports about their messages are blanked (the report stays, for the
   * moderators' record of what happened, without the erased text).
   */
  async eraseUser(userId: number): Promise<void> {
    await this.store.db.transaction().execute(async (trx) => {
      await trx.deleteFrom("reports").where("reporter_id", "=", userId).execute();
      await trx.updateTable("reports").set({ content: "" }).where("sender_id", "=", userId).execute();
    });
  }
}
