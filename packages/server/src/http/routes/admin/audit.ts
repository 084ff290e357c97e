import { AuditListQuery, AuditListResponse } from "@chatapp/protocol";
import type { App } from "../../app-types.js";
import type { AdminDeps } from "./index.js";

/** GET /api/admin/audit: the audit log, newest first (a read: not itself recorded). */
export function auditAdminRoutes(app: App, deps: AdminDeps): void {
  app.get(
    "/api/admin/audit",
    { schema: { querystring: AuditListQuery, response: { 200: AuditListResponse } } },
    async (request) => {
      const limit = request.query.limit ?? 50;
      const rows = await deps.audit.list(limit + 1, request.query.before_id);
      return { entries: rows.slice(0, limit), has_more: rows.length > limit };
    },
  );
}
