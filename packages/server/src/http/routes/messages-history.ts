import { HistoryQuery, HistoryResponse, LIMITS } from "@chatapp/protocol";
import type { preHandlerHookHandler } from "fastify";
import type { History } from "../../chat/history.js";
import type { App } from "../app-types.js";

/**
 * (seed) GET /api/messages/history?user_id=&limit=&before= — the original crashed on every
 * call; here it validates its parameters (400 on bad ones) and answers the seed shape.
 */
export function messagesHistoryRoutes(app: App, deps: { history: History; guard: preHandlerHookHandler }): void {
  app.get(
    "/api/messages/history",
    { preHandler: deps.guard, schema: { querystring: HistoryQuery, response: { 200: HistoryResponse } } },
    async (request) =>
      deps.history.seedHistory(request.userId, {
        otherUserId: request.query.user_id,
        limit: request.query.limit ?? LIMITS.defaultHistoryLimit,
        before: request.query.before,
      }),
  );
}
