import { type Static, Type } from "@sinclair/typebox";
import { Id } from "./ids.js";
import { Text } from "./text.js";

// Moderation (integrations contract §5): members report messages, admins list and resolve
// reports, delete messages and run the retention removal.

const Timestamp = Type.String({ format: "date-time", description: "ISO 8601, UTC, milliseconds" });

/** A report's reason: 1–1,000 characters (code points; the server counts them). */
export const MAX_REPORT_REASON_CHARS = 1000;

export const ReportStatus = Type.Union([Type.Literal("open"), Type.Literal("resolved")]);
export type ReportStatus = Static<typeof ReportStatus>;

/** A member's report of a message, with the message's content as it was when reported. */
export const Report = Type.Object({
  id: Id,
  message_id: Id,
  conversation_id: Id,
  sender_id: Id,
  reporter_id: Id,
  reason: Type.String(),
  content: Type.String(),
  status: ReportStatus,
  created_at: Timestamp,
});
export type Report = Static<typeof Report>;

/** `POST /api/messages/:id/report`. UTF-16 units are bounded here; code points by the server. */
export const ReportBody = Type.Object({
  reason: Text({ minLength: 1, maxLength: 2 * MAX_REPORT_REASON_CHARS }),
});
export type ReportBody = Static<typeof ReportBody>;

/** `GET /api/admin/reports`: newest first, paged by the last id seen. */
export const ReportsQuery = Type.Object({
  status: Type.Optional(ReportStatus),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
  before_id: Type.Optional(Id),
});
export type ReportsQuery = Static<typeof ReportsQuery>;

export const ReportsResponse = Type.Object({ reports: Type.Array(Report), has_more: Type.Boolean() });
export type ReportsResponse = Static<typeof ReportsResponse>;

export const ReportParams = Type.Object({ id: Id });
export type ReportParams = Static<typeof ReportParams>;

/** `PATCH /api/admin/reports/:id`. */
export const PatchReportBody = Type.Object({ status: ReportStatus });
export type PatchReportBody = Static<typeof PatchReportBody>;

/** `POST /api/admin/retention/run`: the cutoff, default now − RETENTION_DAYS. */
export const RetentionRunBody = Type.Object({ before: Type.Optional(Type.String({ format: "date-time" })) });
export type RetentionRunBody = Static<typeof RetentionRunBody>;

export const RetentionRunResponse = Type.Object({ deleted: Type.Integer({ minimum: 0 }) });
export type RetentionRunResponse = Static<typeof RetentionRunResponse>;
