import { MAX_REPORT_REASON_CHARS, type Report, type ReportStatus, type ReportsResponse } from "@chatapp/protocol";
import { iso } from "../lib/time.js";
import type { MessagesRepo } from "../store/messages-repo.js";
import type { ReportsRepo } from "../store/reports-repo.js";
import type { ReportRow } from "../store/schema.js";
import type { ActionBudgets } from "./action-budgets.js";
import type { ConversationCache } from "./conversation-cache.js";
import { asChatError, ChatError } from "./errors.js";

/**
 * Reports (integrations §5): a member reports a message of a conversation they are in; the
 * report keeps the content as it was then. A reporter has one report per message: a repeat
 * answers the first. Each new report is paid from the reporter's budget (it is work for the
 * admins). Admins list them and set their status.
 */
export class Reports {
  constructor(
    private readonly repo: ReportsRepo,
    private readonly messages: MessagesRepo,
    private readonly cache: ConversationCache,
    private readonly budgets: ActionBudgets,
  ) {}

  /** The report, and whether this call made it (false: the reporter's earlier report). */
  async report(reporterId: number, messageId: number, reason: string): Promise<{ report: Report; created: boolean }> {
    try {
      const row = await this.messages.byId(messageId);
      const info = row && (await this.cache.forMember(row.conversation_id, reporterId));
      if (!row || !info) throw new ChatError("not_found", "no such message, or not in a conversation of yours");
      const earlier = await this.repo.byReporter(messageId, reporterId);
      if (earlier) return { report: toWireReport(earlier), created: false };
      validateReason(reason);
      if (row.kind === "system") throw new ChatError("conflict", "system messages cannot be reported");
      if (row.deleted_at !== null) throw new ChatError("conflict", "the message was deleted");
      this.budgets.report(reporterId);
      const { row: stored, created } = await this.repo.add({
        messageId,
        conversationId: row.conversation_id,
        senderId: row.sender_id,
        reporterId,
        reason,
        content: row.content,
        createdAt: Date.now(),
      });
      return { report: toWireReport(stored), created };
    } catch (err) {
      throw asChatError(err);
    }
  }

  async list(query: {
    status?: ReportStatus | undefined;
    limit: number;
    beforeId?: number | undefined;
  }): Promise<ReportsResponse> {
    const { reports, hasMore } = await this.repo.page(query);
    return { reports: reports.map(toWireReport), has_more: hasMore };
  }

  /** What a user reported, for their export (integrations §1), read 500 at a time. */
  async madeBy(reporterId: number): Promise<{ id: number; message_id: number; reason: string; created_at: string }[]> {
    const out: { id: number; message_id: number; reason: string; created_at: string }[] = [];
    for (let afterId = 0; ; ) {
      const page = await this.repo.madeBy(reporterId, afterId, 500);
      for (const r of page) {
        out.push({ id: r.id, message_id: r.message_id, reason: r.reason, created_at: iso(r.created_at) });
        afterId = r.id;
      }
      if (page.length < 500) return out;
    }
  }

  /** Erasure: the user's reports go, and reports about their messages lose the copied text. */
  eraseUser(userId: number): Promise<void> {
    return this.repo.eraseUser(userId);
  }

  async setStatus(id: number, status: ReportStatus): Promise<Report> {
    const row = await this.repo.setStatus(id, status);
    if (!row) throw new ChatError("not_found", "no such report");
    return toWireReport(row);
  }
}

/** 1–1,000 characters (code points), not only white space. */
function validateReason(reason: string): void {
  if (reason.trim() === "") throw new ChatError("invalid_request", "reason must not be empty");
  if ([...reason].length > MAX_REPORT_REASON_CHARS) {
    throw new ChatError("invalid_request", `reason is longer than ${MAX_REPORT_REASON_CHARS} characters`);
  }
}

export function toWireReport(row: ReportRow): Report {
  return {
    id: row.id,
    message_id: row.message_id,
    conversation_id: row.conversation_id,
    sender_id: row.sender_id,
    reporter_id: row.reporter_id,
    reason: row.reason,
    content: row.content,
    status: row.status,
    created_at: iso(row.created_at),
  };
}
