import {
  AddMembersBody,
  Conversation,
  ConversationMessagesQuery,
  ConversationMessagesResponse,
  ConversationParams,
  ConversationsQuery,
  ConversationsResponse,
  CreateConversationBody,
  LIMITS,
  MemberParams,
  Message,
  ReadBody,
  ReadResponse,
  SendMessageBody,
  ThreadMessagesResponse,
  UpdateConversationBody,
} from "@chatapp/protocol";
import { Type } from "@sinclair/typebox";
import type { preHandlerHookHandler } from "fastify";
import { ChatError } from "../../chat/errors.js";
import type { ChatServices } from "../../chat/services.js";
import type { App } from "../app-types.js";

/**
 * Conversations: list, create, one, rename, members, messages (read and send), read cursor.
 * A conversation the caller is not in is 404 everywhere, the same as one that does not exist.
 */
export function conversationsRoutes(app: App, deps: { chat: ChatServices; guard: preHandlerHookHandler }): void {
  const { chat, guard } = deps;

  app.get(
    "/api/conversations",
    { preHandler: guard, schema: { querystring: ConversationsQuery, response: { 200: ConversationsResponse } } },
    async (request) => {
      const { limit, before_activity, before_id } = request.query;
      if ((before_activity === undefined) !== (before_id === undefined)) {
        throw new ChatError("invalid_request", "page with before_activity and before_id together");
      }
      const before =
        before_activity === undefined ? undefined : { activity: Date.parse(before_activity), id: before_id as number };
      return chat.history.list(request.userId, { limit: limit ?? 50, before });
    },
  );

  app.post(
    "/api/conversations",
    { preHandler: guard, schema: { body: CreateConversationBody, response: { 200: Conversation, 201: Conversation } } },
    async (request, reply) => {
      const body = request.body;
      if (body.kind === "direct") {
        const { conversation, created } = await chat.admin.direct(request.userId, body.user_id);
        return reply.code(created ? 201 : 200).send(conversation);
      }
      return reply.code(201).send(await chat.admin.createGroup(request.userId, body.title, body.member_ids));
    },
  );

  app.get(
    "/api/conversations/:id",
    { preHandler: guard, schema: { params: ConversationParams, response: { 200: Conversation } } },
    async (request) => {
      const conversation = await chat.history.one(request.userId, request.params.id);
      if (!conversation) throw ChatError.noConversation();
      return conversation;
    },
  );

  app.patch(
    "/api/conversations/:id",
    { preHandler: guard, schema: { params: ConversationParams, body: UpdateConversationBody, response: { 200: Conversation } } },
    async (request) => chat.admin.rename(request.userId, request.params.id, request.body.title),
  );

  app.post(
    "/api/conversations/:id/members",
    { preHandler: guard, schema: { params: ConversationParams, body: AddMembersBody, response: { 200: Conversation } } },
    async (request) => chat.admin.addMembers(request.userId, request.params.id, request.body.user_ids),
  );

  app.delete(
    "/api/conversations/:id/members/:userId",
    { preHandler: guard, schema: { params: MemberParams } },
    async (request, reply) => {
      await chat.admin.removeMember(request.userId, request.params.id, request.params.userId);
      return reply.code(204).send();
    },
  );

  /** Messages in seq order; a non-member gets 404 and learns nothing, not even that it exists. */
  app.get(
    "/api/conversations/:id/messages",
    {
      preHandler: guard,
      schema: {
        params: ConversationParams,
        querystring: ConversationMessagesQuery,
        // `?thread=` answers its root beside the page.
        response: { 200: Type.Union([ThreadMessagesResponse, ConversationMessagesResponse]) },
      },
    },
    async (request) => {
      const { before_seq, after_seq, limit, thread, top_level } = request.query;
      if (before_seq !== undefined && after_seq !== undefined) {
        throw new ChatError("invalid_request", "use before_seq or after_seq, not both");
      }
      const paging = { beforeSeq: before_seq, afterSeq: after_seq, limit: limit ?? LIMITS.defaultHistoryLimit };
      if (thread !== undefined) {
        if (top_level === "true") throw new ChatError("invalid_request", "use thread or top_level, not both");
        return chat.threads.thread(request.userId, request.params.id, thread, paging);
      }
      return chat.history.page(request.userId, request.params.id, { ...paging, topLevel: top_level === "true" });
    },
  );

  /** The same path and guarantees as a WebSocket send: 201 when stored, 200 for a repeated client_id. */
  app.post(
    "/api/conversations/:id/messages",
    {
      preHandler: guard,
      schema: { params: ConversationParams, body: SendMessageBody, response: { 200: Message, 201: Message } },
    },
    async (request, reply) => {
      const { message, duplicate } = await chat.messaging.send(request.userId, {
        conversationId: request.params.id,
        content: request.body.content,
        clientId: request.body.client_id,
        attachments: request.body.attachments,
        replyTo: request.body.reply_to,
        threadRootId: request.body.thread_root_id,
      });
      return reply.code(duplicate ? 200 : 201).send(message);
    },
  );

  app.post(
    "/api/conversations/:id/read",
    { preHandler: guard, schema: { params: ConversationParams, body: ReadBody, response: { 200: ReadResponse } } },
    async (request) => {
      const readSeq = await chat.receipts.read(request.userId, request.params.id, request.body.seq);
      return { conversation_id: request.params.id, read_seq: readSeq };
    },
  );
}
