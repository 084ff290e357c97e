import type { TokenService } from "../../../auth/tokens.js";
import type { AdminUsers } from "../../../chat/admin-users.js";
import type { ApiKeys } from "../../../chat/api-keys.js";
import type { AuditLog } from "../../../chat/audit-log.js";
import type { Retention } from "../../../chat/retention.js";
import type { ChatServices } from "../../../chat/services.js";
import type { UserData } from "../../../chat/user-data.js";
import type { WebhookEndpoints } from "../../../webhooks/endpoints.js";
import { requireApiKey } from "../../admin-guard.js";
import type { App } from "../../app-types.js";
import { sendError } from "../../errors.js";
import { auditAdminRoutes } from "./audit.js";
import { adminConversationRoutes } from "./conversations.js";
import { moderationAdminRoutes } from "./moderation.js";
import { adminUserDataRoutes } from "./user-data.js";
import { usersAdminRoutes } from "./users.js";
import { webhooksAdminRoutes } from "./webhooks.js";

/** What admin route files get: the chat domain, the audit log and the pieces of the admin API. */
export interface AdminDeps {
  chat: ChatServices;
  apiKeys: ApiKeys;
  /** Every admin route records its action here with `request.adminKey`. */
  audit: AuditLog;
  tokens: TokenService;
  /** Webhook endpoints made through the admin API (integrations §2). */
  webhooks: WebhookEndpoints;
  /** A user's data: export and erasure. */
  userData: UserData;
  adminUsers: AdminUsers;
  /** Retention's runs (POST /api/admin/retention/run). */
  retention: Retention;
}

/** One feature's admin routes, registered inside the guarded scope with full /api/admin/… paths. */
export type AdminRoutes = (scope: App, deps: AdminDeps) => void | Promise<void>;

/** Every admin route file: add yours here. */
const ADMIN_ROUTES: AdminRoutes[] = [
  auditAdminRoutes,
  usersAdminRoutes,
  webhooksAdminRoutes,
  adminConversationRoutes,
  adminUserDataRoutes,
  moderationAdminRoutes,
];

/** How the OpenAPI document says admin routes are called: with an API key, in either header. */
const ADMIN_SECURITY: { [scheme: string]: string[] }[] = [{ apiKey: [] }, { adminBearer: [] }];

/**
 * The admin API: an encapsulated Fastify scope whose onRequest hook checks the API key, so no
 * route registered in it (by any feature's file in ADMIN_ROUTES) can be reached without one.
 */
export async function adminRoutes(app: App, deps: AdminDeps): Promise<void> {
  await app.register(async (scope) => {
    const admin = scope as unknown as App;
    admin.addHook("onRoute", (route) => {
      // In place: the OpenAPI plugin reads the schema when the document is made.
      route.schema = { ...route.schema, tags: ["admin"], security: ADMIN_SECURITY };
    });
    admin.addHook("onRequest", requireApiKey(deps.apiKeys));
    for (const routes of ADMIN_ROUTES) await routes(admin, deps);
    // Any other path under /api/admin is guarded too: without a key, a 401 tells nothing of
    // which admin routes exist; with one, a 404.
    admin.route({
      method: ["GET", "POST", "PUT", "PATCH", "DELETE"],
      url: "/api/admin/*",
      schema: { hide: true },
      handler: (request, reply) => sendError(reply, "not_found", `no route for ${request.method} ${request.url.split("?")[0]}`),
    });
  });
}
