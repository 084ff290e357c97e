import {
  AddMembersBody,
  AdminConversation,
  AdminCreateConversationBody,
  AdminSendBody,
  ConversationParams,
  MemberParams,
  Message,
} from "@chatapp/protocol";
import type { App } from "../../app-types.js";
import type { AdminDeps } from "./index.js";

/**
 * The admin API's conversations and messages (integrations contract §1): create a group or
 * a direct conversation, add and remove members, send as a member or post a notice. Runs in
 * the admin scope (its guard has checked the key); the domain does the rest, with the admin
 * as actor (`by` null).
 */
export function adminConversationRoutes(app: App, deps: AdminDeps): void {
  const { chat, audit } = deps;

  app.post(
    "/api/admin/conversations",
    { schema: { body: AdminCreateConversationBody, response: { 200: AdminConversation, 201: AdminConversation } } },
    async (request, reply) => {
      const body = request.body;
      if (body.kind === "direct") {
        const [a, b] = body.user_ids as [number, number];
        const { conversation, created } = await chat.admin.directAsAdmin(a, b);
        if (created) await audit.record(request.adminKey, "conversation.create", { type: "conversation", id: conversation.id });
        return reply.code(created ? 201 : 200).send(conversation);
      }
      const conversation = await chat.admin.createGroupAsAdmin(body.title, body.member_ids, body.owner_ids);
      await audit.record(
        request.adminKey,
        "conversation.create",
        { type: "conversation", id: conversation.id },
        { kind: "group", member_count: conversation.member_count },
      );
      return reply.code(201).send(conversation);
    },
  );

  app.post(
    "/api/admin/conversations/:id/members",
    { schema: { params: ConversationParams, body: AddMembersBody, response: { 200: AdminConversation } } },
    async (request) => {
      const conversation = await chat.admin.addMembersAsAdmin(request.params.id, request.body.user_ids);
      await audit.record(
        request.adminKey,
        "conversation.members.add",
        { type: "conversation", id: request.params.id },
        { user_ids: request.body.user_ids.slice(0, 100) },
      );
      return conversation;
    },
  );

  app.delete("/api/admin/conversations/:id/members/:userId", { schema: { params: MemberParams } }, async (request, reply) => {
    await chat.admin.removeMember(null, request.params.id, request.params.userId);
    await audit.record(
      request.adminKey,
      "conversation.members.remove",
      { type: "conversation", id: request.params.id },
      { user_id: request.params.userId },
    );
    return reply.code(204).send();
  });

  /** 201 with the message, a repeated client_id included (it answers the message stored the first time). */
  app.post(
    "/api/admin/conversations/:id/messages",
    { schema: { params: ConversationParams, body: AdminSendBody, response: { 201: Message } } },
    async (request, reply) => {
      const { message, duplicate } = await chat.adminMessages.send(request.params.id, {
        senderId: request.body.sender_id,
        content: request.body.content,
        clientId: request.body.client_id,
      });
      // A repeat stored nothing: nothing new to record. The text stays out of the log.
      if (!duplicate) {
        await audit.record(
          request.adminKey,
          message.sender_id === null ? "message.notice" : "message.send",
          { type: "message", id: message.id },
          { conversation_id: message.conversation_id, sender_id: message.sender_id },
        );
      }
      return reply.code(201).send(message);
    },
  );
}
