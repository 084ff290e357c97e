import { UsersStatusQuery, UsersStatusResponse } from "@chatapp/protocol";
import type { preHandlerHookHandler } from "fastify";
import type { Presence } from "../../chat/presence.js";
import type { App } from "../app-types.js";

/**
 * (seed) GET /api/users/status?user_id= — one user's status, or, without `user_id`, the
 * caller's and their contacts'. Users who share no conversation with the caller are left out.
 */
export function usersStatusRoutes(app: App, deps: { presence: Presence; guard: preHandlerHookHandler }): void {
  app.get(
    "/api/users/status",
    { preHandler: deps.guard, schema: { querystring: UsersStatusQuery, response: { 200: UsersStatusResponse } } },
    async (request) => deps.presence.statuses(request.userId, request.query.user_id),
  );
}
