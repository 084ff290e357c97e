import type { ConversationCache } from "./conversation-cache.js";
import { ChatError } from "./errors.js";
import type { Messaging, SendResult } from "./messaging.js";

export interface AdminSend {
  /** The member (a user or a bot) it comes from; without it, a system notice. */
  senderId?: number | undefined;
  content: string;
  clientId?: string | undefined;
}

/**
 * Messages through the admin API (integrations contract §1). With a sender, the message goes
 * the same way as that user's own send (`Messaging.send`: storage, seq, idempotency per
 * sender and client_id, and whatever checks sends pass), with no sending connection, so
 * every connection of every member gets the `message` frame, the sender's own included.
 * Without one, a notice (`Messaging.postNotice`).
 */
export class AdminMessages {
  constructor(
    private readonly conversations: ConversationCache,
    private readonly messaging: Messaging,
  ) {}

  async send(conversationId: number, input: AdminSend): Promise<SendResult> {
    const info = await this.conversations.get(conversationId);
    if (!info) throw ChatError.noConversation();
    if (input.senderId === undefined) return this.messaging.postNotice(conversationId, input.content, input.clientId);
    if (!info.memberIds.includes(input.senderId)) {
      throw new ChatError("forbidden", `user ${input.senderId} is not a member of conversation ${conversationId}`);
    }
    return this.messaging.send(input.senderId, { conversationId, content: input.content, clientId: input.clientId });
  }
}
