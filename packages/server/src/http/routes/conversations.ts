import {
  ConversationMessagesQuery,
  ConversationMessagesResponse,
  ConversationParams,
  ConversationsResponse,
  LIMITS,
} from "@chatapp/protocol";
import { Type } from "@sinclair/typebox";
import type { preHandlerHookHandler } from "fastify";
import { ChatError } from "../../chat/errors.js";
import type { History } from "../../chat/history.js";
import type { App } from "../app-types.js";

const ListQuery = Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })) });

export function conversationsRoutes(app: App, deps: { history: History; guard: preHandlerHookHandler }): void {
  app.get(
    "/api/conversations",
    { preHandler: deps.guard, schema: { querystring: ListQuery, response: { 200: ConversationsResponse } } },
    async (request) => deps.history.list(request.userId, request.query.limit ?? 50),
  );

  /** Messages in seq order; a non-member gets 404 and learns nothing, not even that it exists. */
  app.get(
    "/api/conversations/:id/messages",
    {
      preHandler: deps.guard,
      schema: {
        params: ConversationParams,
        querystring: ConversationMessagesQuery,
        response: { 200: ConversationMessagesResponse },
      },
    },
    async (request) => {
      const { before_seq, after_seq, limit } = request.query;
      if (before_seq !== undefined && after_seq !== undefined) {
        throw new ChatError("invalid_request", "use before_seq or after_seq, not both");
      }
      return deps.history.page(request.userId, request.params.id, {
        beforeSeq: before_seq,
        afterSeq: after_seq,
        limit: limit ?? LIMITS.defaultHistoryLimit,
      });
    },
  );
}
