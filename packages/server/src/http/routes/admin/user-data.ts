import { AdminUserParams, EraseResponse, UserExport } from "@chatapp/protocol";
import type { App } from "../../app-types.js";
import type { AdminDeps } from "./index.js";

/**
 * A user's data through the admin API (integrations contract §1): the export document, and
 * erasure (GDPR). Runs in the admin scope, behind its guard.
 */
export function adminUserDataRoutes(app: App, deps: AdminDeps): void {
  const { userData, audit } = deps;

  app.get(
    "/api/admin/users/:id/export",
    { schema: { params: AdminUserParams, response: { 200: UserExport } } },
    async (request) => {
      const document = await userData.export(request.params.id);
      await audit.record(request.adminKey, "user.export", { type: "user", id: request.params.id });
      return document;
    },
  );

  app.delete("/api/admin/users/:id", { schema: { params: AdminUserParams, response: { 200: EraseResponse } } }, async (request) =>
    userData.erase(request.params.id),
  );
}
