import { LIMITS, type Message } from "@chatapp/protocol";
import type { Broker } from "../broker/broker.js";
import type { MessageWriter, NewMessage, StoredMessage } from "../store/message-writer.js";
import type { ConversationCache } from "./conversation-cache.js";
import { asChatError, ChatError } from "./errors.js";
import { receiverOf, toWireMessage } from "./message-view.js";
import type { UserDirectory } from "./user-directory.js";

/** Who a stored message goes to; travels through the writer beside the message. */
export interface Delivery {
  memberIds: number[];
  receiverId: number | undefined;
  /** The connection the send came from: it gets an `ack`, not the message. */
  originConnectionId: string | undefined;
}

export interface SendInput {
  receiverId?: number | undefined;
  conversationId?: number | undefined;
  content: string;
  clientId?: string | undefined;
}

export interface SendResult {
  message: Message;
  /** True when the client_id was seen before: nothing new was stored or delivered. */
  duplicate: boolean;
}

/** Longer than this many UTF-16 units may still be short enough in code points. */
const contentLength = (s: string) => (s.length <= LIMITS.maxContentChars ? s.length : [...s].length);

/**
 * Sending: validate, resolve the conversation, store through the group-commit writer, and
 * only after commit publish one event to the members (in seq order, as committed).
 */
export class Messaging {
  constructor(
    private readonly writer: MessageWriter<Delivery>,
    private readonly conversations: ConversationCache,
    private readonly users: UserDirectory,
    private readonly broker: Broker,
  ) {
    writer.onCommit = (messages) => {
      for (const m of messages) this.publish(m);
    };
  }

  /**
   * Stores a message and resolves with it once committed. With `order` (one per socket),
   * sends are queued for writing in the order they were made even when resolving their
   * target takes a query; the writes themselves still share transactions.
   */
  async send(
    senderId: number,
    input: SendInput,
    originConnectionId?: string,
    order?: { sendOrder: Promise<unknown> },
  ): Promise<SendResult> {
    const enqueue = async () => {
      const draft = await this.prepare(senderId, input, originConnectionId);
      // Boxed, so that awaiting the step does not also await the write.
      return { written: this.writer.write(draft) };
    };
    try {
      let step: Promise<{ written: Promise<StoredMessage<Delivery>> }>;
      if (order) {
        step = order.sendOrder.then(enqueue);
        order.sendOrder = step.catch(() => {});
      } else {
        step = enqueue();
      }
      const stored = await (await step).written;
      return { message: this.wire(stored), duplicate: stored.duplicate };
    } catch (err) {
      throw asChatError(err);
    }
  }

  /** Validates a send and resolves its conversation and recipients. */
  private async prepare(
    senderId: number,
    input: SendInput,
    originConnectionId: string | undefined,
  ): Promise<NewMessage<Delivery>> {
    const { content } = input;
    if (content.trim() === "") throw new ChatError("invalid_request", "content must not be empty");
    if (contentLength(content) > LIMITS.maxContentChars) {
      throw new ChatError("too_large", `content is longer than ${LIMITS.maxContentChars} characters`);
    }
    let conversationId: number;
    let memberIds: number[];
    let receiverId: number | undefined;
    if (input.receiverId !== undefined) {
      if (input.receiverId === senderId) {
        throw new ChatError("invalid_request", "cannot send a direct message to yourself");
      }
      if (!(await this.users.exists(input.receiverId))) {
        throw new ChatError("not_found", `no user with id ${input.receiverId}`);
      }
      conversationId = await this.conversations.direct(senderId, input.receiverId);
      receiverId = input.receiverId;
      memberIds = [senderId, input.receiverId];
    } else if (input.conversationId !== undefined) {
      const info = await this.conversations.forMember(input.conversationId, senderId);
      if (!info) throw ChatError.noConversation();
      conversationId = info.id;
      memberIds = info.memberIds;
      receiverId = receiverOf(info.kind, info.memberIds, senderId);
    } else {
      throw new ChatError("invalid_request", "a send needs receiver_id or conversation_id");
    }
    return {
      conversationId,
      senderId,
      clientId: input.clientId ?? null,
      content,
      meta: { memberIds, receiverId, originConnectionId },
    };
  }

  /** Waits for every queued message to be committed or refused. */
  drain(): Promise<void> {
    return this.writer.drain();
  }

  private wire(m: StoredMessage<Delivery>): Message {
    return toWireMessage(m, m.meta.receiverId, "sent");
  }

  private publish(m: StoredMessage<Delivery>): void {
    this.broker.publish({
      userIds: m.meta.memberIds,
      frame: JSON.stringify({ type: "message", ...this.wire(m) }),
      message: { conversationId: m.conversationId, seq: m.seq, senderId: m.senderId },
      excludeConnectionId: m.meta.originConnectionId,
    });
  }
}
