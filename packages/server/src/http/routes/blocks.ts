import { BlockParams, BlocksResponse, ConversationParams, MuteBody, MuteResponse } from "@chatapp/protocol";
import type { preHandlerHookHandler } from "fastify";
import type { ChatServices } from "../../chat/services.js";
import type { App } from "../app-types.js";

/** Blocking and muting (integrations §3), translated to and from the domain. */
export function blocksRoutes(app: App, deps: { chat: ChatServices; guard: preHandlerHookHandler }): void {
  const { chat, guard } = deps;

  app.get("/api/blocks", { preHandler: guard, schema: { response: { 200: BlocksResponse } } }, async (request) =>
    chat.blocks.list(request.userId),
  );

  app.post("/api/blocks/:user_id", { preHandler: guard, schema: { params: BlockParams } }, async (request, reply) => {
    await chat.blocks.block(request.userId, request.params.user_id);
    return reply.code(204).send();
  });

  app.delete("/api/blocks/:user_id", { preHandler: guard, schema: { params: BlockParams } }, async (request, reply) => {
    await chat.blocks.unblock(request.userId, request.params.user_id);
    return reply.code(204).send();
  });

  app.put(
    "/api/conversations/:id/mute",
    {
      preHandler: guard,
      // No body at all is `{}`: a mute until removed.
      preValidation: async (request) => {
        request.body ??= {};
      },
      schema: { params: ConversationParams, body: MuteBody, response: { 200: MuteResponse } },
    },
    async (request) => chat.mutes.mute(request.userId, request.params.id, request.body.until),
  );

  app.delete(
    "/api/conversations/:id/mute",
    { preHandler: guard, schema: { params: ConversationParams } },
    async (request, reply) => {
      await chat.mutes.unmute(request.userId, request.params.id);
      return reply.code(204).send();
    },
  );
}
