import { ReactionParams, ReactionsResponse } from "@chatapp/protocol";
import type { preHandlerHookHandler } from "fastify";
import type { ChatServices } from "../../chat/services.js";
import type { App } from "../app-types.js";

/** Add and remove one's reaction to a message (contract §8); the emoji is percent-encoded in the path. */
export function reactionsRoutes(app: App, deps: { chat: ChatServices; guard: preHandlerHookHandler }): void {
  const { chat, guard } = deps;
  const schema = { params: ReactionParams, response: { 200: ReactionsResponse } };
  app.put("/api/messages/:id/reactions/:emoji", { preHandler: guard, schema }, async (request) =>
    chat.reactions.react(request.userId, request.params.id, request.params.emoji),
  );
  app.delete("/api/messages/:id/reactions/:emoji", { preHandler: guard, schema }, async (request) =>
    chat.reactions.unreact(request.userId, request.params.id, request.params.emoji),
  );
}
