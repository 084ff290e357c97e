import type { TokenService } from "../../../auth/tokens.js";
import type { AdminUsers } from "../../../chat/admin-users.js";
import type { ApiKeys } from "../../../chat/api-keys.js";
import type { AuditLog } from "../../../chat/audit-log.js";
import type { Retention } from "../../../chat/retention.js";
import type { ChatServices } from "../../../chat/services.js";
import type { UserData } from "../../../chat/user-data.js";
import type { WebhookEndpoints } from "../../../webhooks/endpoints.js";
import type { App } from "../../app-types.js";

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
