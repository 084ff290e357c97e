import { SearchQuery, SearchResponse, User, UserParams, UsersQuery, UsersResponse } from "@chatapp/protocol";
import type { preHandlerHookHandler } from "fastify";
import { ChatError } from "../../chat/errors.js";
import type { ChatServices } from "../../chat/services.js";
import type { App } from "../app-types.js";

/** Message search (the caller's conversations only) and the user directory. */
export function searchRoutes(app: App, deps: { chat: ChatServices; guard: preHandlerHookHandler }): void {
  const { chat, guard } = deps;
  app.get(
    "/api/search",
    { preHandler: guard, schema: { querystring: SearchQuery, response: { 200: SearchResponse } } },
    async (request) => chat.search.search(request.userId, request.query.q, request.query.limit ?? 20, request.query.offset ?? 0),
  );
  app.get(
    "/api/users",
    { preHandler: guard, schema: { querystring: UsersQuery, response: { 200: UsersResponse } } },
    async (request) => {
      const text = request.query.query.trim();
      if (text === "") throw new ChatError("invalid_request", "query must not be blank");
      return chat.users.search(text, request.query.limit ?? 20, request.query.offset ?? 0);
    },
  );
  /** One user by id: how a client names the members and senders it only knows by id. */
  app.get("/api/users/:id", { preHandler: guard, schema: { params: UserParams, response: { 200: User } } }, async (request) => {
    const user = await chat.users.findById(request.params.id);
    if (!user) throw new ChatError("not_found", `no user with id ${request.params.id}`);
    return user;
  });
}
