import { UsersStatusQuery, UsersStatusResponse } from "@chatapp/protocol";
import type { preHandlerHookHandler } from "fastify";
import type { Presence } from "../../chat/presence.js";
import type { App } from "../app-types.js";

/** (seed) GET /api/users/status?user_id= — one user's status, or every known user's. */
export function usersStatusRoutes(app: App, deps: { presence: Presence; guard: preHandlerHookHandler }): void {
  app.get(
    "/api/users/status",
    { preHandler: deps.guard, schema: { querystring: UsersStatusQuery, response: { 200: UsersStatusResponse } } },
    async (request) => deps.presence.statuses(request.query.user_id === undefined ? undefined : [request.query.user_id]),
  );
}
