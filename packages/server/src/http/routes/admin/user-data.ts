import { AdminUserParams, EraseResponse, UserExport } from "@chatapp/protocol";
import type { UserData } from "../../../chat/user-data.js";
import type { App } from "../../app-types.js";

/**
 * A user's data through the admin API (integrations contract §1): the export document, and
 * erasure (GDPR). Runs in the admin scope, behind its guard.
 */
export function adminUserDataRoutes(app: App, deps: { userData: UserData }): void {
  const { userData } = deps;

  app.get(
    "/api/admin/users/:id/export",
    { schema: { params: AdminUserParams, response: { 200: UserExport } } },
    async (request) => userData.export(request.params.id),
  );

  app.delete("/api/admin/users/:id", { schema: { params: AdminUserParams, response: { 200: EraseResponse } } }, async (request) =>
    userData.erase(request.params.id),
  );
}
