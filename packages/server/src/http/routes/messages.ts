import { EditMessageBody, Message, MessageParams } from "@chatapp/protocol";
import type { preHandlerHookHandler } from "fastify";
import type { ChatServices } from "../../chat/services.js";
import type { App } from "../app-types.js";

/** Edit and delete one's own messages. */
export function messagesRoutes(app: App, deps: { chat: ChatServices; guard: preHandlerHookHandler }): void {
  const { chat, guard } = deps;
  app.patch(
    "/api/messages/:id",
    { preHandler: guard, schema: { params: MessageParams, body: EditMessageBody, response: { 200: Message } } },
    async (request) => chat.edits.edit(request.userId, request.params.id, request.body.content),
  );
  app.delete(
    "/api/messages/:id",
    { preHandler: guard, schema: { params: MessageParams, response: { 200: Message } } },
    async (request) => chat.edits.delete(request.userId, request.params.id),
  );
}
