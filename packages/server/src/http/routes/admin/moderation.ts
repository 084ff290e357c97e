import {
  Message,
  MessageParams,
  PatchReportBody,
  Report,
  ReportParams,
  ReportsQuery,
  ReportsResponse,
  RetentionRunBody,
  RetentionRunResponse,
} from "@chatapp/protocol";
import type { App } from "../../app-types.js";
import type { AdminDeps } from "./index.js";

/**
 * Moderation in the admin API (integrations §5): reports, deleting any message, and running
 * retention now. Registered inside the admin scope, whose guard has checked the key; every
 * change writes an audit row.
 */
export function moderationAdminRoutes(app: App, deps: AdminDeps): void {
  const { chat, retention, audit } = deps;

  app.get("/api/admin/reports", { schema: { querystring: ReportsQuery, response: { 200: ReportsResponse } } }, async (request) =>
    chat.reports.list({
      status: request.query.status,
      limit: request.query.limit ?? 50,
      beforeId: request.query.before_id,
    }),
  );

  app.patch(
    "/api/admin/reports/:id",
    { schema: { params: ReportParams, body: PatchReportBody, response: { 200: Report } } },
    async (request) => {
      const report = await chat.reports.setStatus(request.params.id, request.body.status);
      await audit.record(request.adminKey, `report.${request.body.status === "resolved" ? "resolve" : "reopen"}`, {
        type: "report",
        id: report.id,
      });
      return report;
    },
  );

  app.delete("/api/admin/messages/:id", { schema: { params: MessageParams, response: { 200: Message } } }, async (request) => {
    const message = await chat.edits.deleteAsAdmin(request.params.id);
    await audit.record(
      request.adminKey,
      "message.delete",
      { type: "message", id: message.id },
      { conversation_id: message.conversation_id },
    );
    return message;
  });

  app.post(
    "/api/admin/retention/run",
    {
      schema: { body: RetentionRunBody, response: { 200: RetentionRunResponse } },
      // The body is optional: no body, like `{}`, means the default cutoff.
      preValidation: async (request) => {
        if (request.body === undefined || request.body === null) request.body = {};
      },
    },
    async (request) => {
      const before = request.body.before;
      const cutoff = retention.cutoff(before === undefined ? undefined : Date.parse(before));
      const deleted = await retention.run(cutoff);
      await audit.record(request.adminKey, "retention.run", undefined, { before: new Date(cutoff).toISOString(), deleted });
      return { deleted };
    },
  );
}
