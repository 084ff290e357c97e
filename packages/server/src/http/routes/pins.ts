import { ConversationParams, Pin, PinParams, PinsResponse } from "@chatapp/protocol";
import type { preHandlerHookHandler } from "fastify";
import type { ChatServices } from "../../chat/services.js";
import type { App } from "../app-types.js";

/** Pins (contract §9): list, pin, unpin. The rules are the chat domain's (chat/pins.ts). */
export function pinsRoutes(app: App, deps: { chat: ChatServices; guard: preHandlerHookHandler }): void {
  const { chat, guard } = deps;

  app.get(
    "/api/conversations/:id/pins",
    { preHandler: guard, schema: { params: ConversationParams, response: { 200: PinsResponse } } },
    async (request) => ({ pins: await chat.pins.list(request.userId, request.params.id) }),
  );

  app.put(
    "/api/conversations/:id/pins/:message_id",
    { preHandler: guard, schema: { params: PinParams, response: { 200: Pin } } },
    async (request) => chat.pins.pin(request.userId, request.params.id, request.params.message_id),
  );

  app.delete(
    "/api/conversations/:id/pins/:message_id",
    { preHandler: guard, schema: { params: PinParams } },
    async (request, reply) => {
      await chat.pins.unpin(request.userId, request.params.id, request.params.message_id);
      return reply.code(204).send();
    },
  );
}
