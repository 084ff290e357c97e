import { isWellFormedText, LIMITS, type Message, type SystemInfo } from "@chatapp/protocol";
import { MAX_TOKEN_USER_ID } from "../auth/tokens.js";
import type { Broker } from "../broker/broker.js";
import type { RateLimiter } from "../lib/rate-limiter.js";
import type { Store } from "../store/database.js";
import { MessageWriter, type NewMessage, type StoredMessage, type WriterOptions } from "../store/message-writer.js";
import { senderlessId } from "../store/senderless.js";
import type { BeforeSendHook } from "./before-send.js";
import type { Blocks } from "./blocks.js";
import type { ConversationCache } from "./conversation-cache.js";
import { asChatError, ChatError } from "./errors.js";
import { namesIn, validateMentionIds } from "./mentions.js";
import { receiverOf, toWireMessage } from "./message-view.js";
import type { UserDirectory } from "./user-directory.js";

/**
 * A socket's chain of sends: each send resolves its target after the previous one, so sends
 * are queued for writing in the order they were made even when resolving a target takes a
 * query. The writes themselves still share transactions.
 */
export interface SendOrder {
  tail: Promise<unknown>;
  /**
   * With the before-send hook: each send is queued for writing only after the send before it
   * was queued or refused, so hook answers that come back out of order do not reorder them.
   */
  writeTail: Promise<unknown>;
}

/** The before-send hook as Messaging uses it, and how it tells a repeated client_id. */
export interface SendGate {
  hook: Pick<BeforeSendHook, "check">;
  /** True when this sender already stored a message with this client_id (not asked again). */
  isStored(senderId: number, clientId: string): Promise<boolean>;
}

/** Where a send came from, when it came from a socket. */
export interface SendOrigin {
  connectionId: string;
  order: SendOrder;
  /**
   * Called right after the commit, before the message is published, so the sending socket
   * gets its ack ahead of any later message of the conversation.
   */
  ack?: (message: Message, duplicate: boolean) => void;
}

/** Who a stored message goes to; travels through the writer beside the message. */
export interface Delivery {
  memberIds: number[];
  receiverId: number | undefined;
  origin: SendOrigin | undefined;
}

export interface SendInput {
  receiverId?: number | undefined;
  conversationId?: number | undefined;
  content: string;
  clientId?: string | undefined;
  /** Upload ids to send with it (1-10, each once; the edges check the shape). */
  attachments?: readonly number[] | undefined;
  /** User ids to mention (0-50); only members are kept, with those `@username` in the content names. */
  mentions?: readonly number[] | undefined;
  /** The message it quotes, and the thread it replies in (the writer checks both). */
  replyTo?: number | undefined;
  threadRootId?: number | undefined;
}

export interface SendResult {
  message: Message;
  /** True when the client_id was seen before: nothing new was stored or delivered. */
  duplicate: boolean;
}

/** Longer than this many UTF-16 units may still be short enough in code points. */
const contentLength = (s: string) => (s.length <= LIMITS.maxContentChars ? s.length : [...s].length);

/**
 * Message content rules, for sends and edits alike. A message with attachments may have no
 * text (`withFiles`): a photo needs no caption.
 */
export function validateContent(content: string, withFiles = false): void {
  if (content.trim() === "" && !(withFiles && content === "")) {
    throw new ChatError(
      "invalid_request",
      withFiles ? "content must be empty, or more than white space" : "content must not be empty",
    );
  }
  if (content.includes("\u0000")) throw new ChatError("invalid_request", "content must not contain NUL characters");
  // The edges refuse it already (decode-frame.ts, http/validation.ts); kept here for any other caller.
  if (!isWellFormedText(content))
    throw new ChatError("invalid_request", "content must be well-formed Unicode (no lone surrogates)");
  if (contentLength(content) > LIMITS.maxContentChars) {
    throw new ChatError("too_large", `content is longer than ${LIMITS.maxContentChars} characters`);
  }
}

/** The shape of a send's `attachments` (the edges check it too; kept here for any other caller). */
function validateAttachmentIds(ids: readonly number[]): void {
  if (ids.length > LIMITS.maxAttachments) {
    throw new ChatError("invalid_request", `attachments: at most ${LIMITS.maxAttachments} uploads per message`);
  }
  if (new Set(ids).size !== ids.length) throw new ChatError("invalid_request", "attachments: each upload at most once");
}

/**
 * Sending: validate, resolve the conversation, store through the group-commit writer, and
 * only after commit ack the sender and publish one event to the members, in seq order.
 */
export class Messaging {
  private inFlight = 0;
  private readonly writer: MessageWriter<Delivery>;
  private readonly storedListeners: (() => void)[] = [];

  constructor(
    store: Store,
    writerOptions: Omit<WriterOptions<Delivery>, "onCommit">,
    private readonly conversations: ConversationCache,
    private readonly users: UserDirectory,
    private readonly broker: Broker,
    /** Every direct send passes its check (integrations §3), whichever edge it came through. */
    private readonly blocks: Blocks,
    private readonly options: {
      provisionRecipients: boolean;
      limiter?: RateLimiter<number>;
      /** Told of each new user message once it is published (link previews start there). */
      onDelivered?: (message: StoredMessage<Delivery>) => void;
      /** BEFORE_SEND_URL set: every user message asks the hook before it is stored. */
      gate?: SendGate;
    } = { provisionRecipients: false },
  ) {
    // The writer is this service's own: it calls back into it after each commit.
    this.writer = new MessageWriter<Delivery>(store, { ...writerOptions, onCommit: (results) => this.committed(results) });
  }

  /**
   * Called after each commit that stored new user messages, once per commit (notifications
   * look for their jobs then rather than at their next poll).
   */
  onUserMessages(listener: () => void): void {
    this.storedListeners.push(listener);
  }

  /** Right after a commit, in seq order: ack each sender, then publish what is new. */
  private committed(results: StoredMessage<Delivery>[]): void {
    let userMessages = false;
    for (const m of results) {
      const wire = toWireMessage(m, m.meta.receiverId, "sent");
      m.meta.origin?.ack?.(wire, m.duplicate);
      if (m.duplicate) continue;
      this.publish(m, wire);
      if (!m.system) {
        userMessages = true;
        this.options.onDelivered?.(m);
      }
    }
    if (userMessages) for (const listener of this.storedListeners) listener();
  }

  /** Stores a message; resolves once it is committed (or was stored before, for a repeated client_id). */
  async send(senderId: number, input: SendInput, origin?: SendOrigin): Promise<SendResult> {
    const limiter = this.options.limiter;
    if (limiter && !limiter.take(senderId)) throw ChatError.rateLimited("too many messages", limiter.retryAfterMs(senderId));
    this.inFlight++;
    try {
      const enqueue = async () => {
        const draft = await this.prepare(senderId, input, origin);
        // Boxed, so that awaiting the step does not also await the write.
        return { written: this.writer.write(draft) };
      };
      let step: Promise<{ written: Promise<StoredMessage<Delivery>> }>;
      const gate = this.options.gate;
      if (gate) {
        step = this.gated(gate, senderId, input, origin);
      } else if (origin) {
        step = origin.order.tail.then(enqueue);
        origin.order.tail = step.catch(() => {});
      } else {
        step = enqueue();
      }
      const stored = await (await step).written;
      return { message: toWireMessage(stored, stored.meta.receiverId, "sent"), duplicate: stored.duplicate };
    } catch (err) {
      throw asChatError(err);
    } finally {
      this.inFlight--;
    }
  }

  /**
   * A send through the before-send hook. A socket's sends are prepared one after another (as
   * without the hook), and each asks the hook as soon as it is prepared, so a connection's
   * sends are checked side by side; but each is queued for writing only once the send before
   * it was queued or refused, so they are stored in the order they were sent whatever order
   * the hook answers in. Refused (by the hook or otherwise), a send lets the next one go.
   */
  private gated(
    gate: SendGate,
    senderId: number,
    input: SendInput,
    origin: SendOrigin | undefined,
  ): Promise<{ written: Promise<StoredMessage<Delivery>> }> {
    const prepare = async () => {
      const draft = await this.prepare(senderId, input, origin);
      const allowed = this.ask(gate, draft);
      // Handled where it is awaited below, maybe only after it settled.
      allowed.catch(() => {});
      return { draft, allowed };
    };
    if (!origin) {
      return prepare().then(async ({ draft, allowed }) => {
        await allowed;
        return { written: this.writer.write(draft) };
      });
    }
    const prepared = origin.order.tail.then(prepare);
    origin.order.tail = prepared.catch(() => {});
    const previous = origin.order.writeTail;
    const queued = (async () => {
      const { draft, allowed } = await prepared;
      await allowed;
      await previous;
      return { written: this.writer.write(draft) };
    })();
    // Queued: the next may follow. Refused: the next still waits for the one before this.
    origin.order.writeTail = queued.then(
      () => undefined,
      () => previous,
    );
    return queued;
  }

  /** The hook's answer for a draft; a repeat of a stored client_id is not asked again. */
  private async ask(gate: SendGate, draft: NewMessage<Delivery>): Promise<void> {
    if (draft.clientId !== null && (await gate.isStored(draft.senderId, draft.clientId))) return;
    await gate.hook.check({
      conversationId: draft.conversationId,
      senderId: draft.senderId,
      content: draft.content,
      receiverId: draft.meta.receiverId,
      clientId: draft.clientId ?? undefined,
    });
  }

  /**
   * Records a change to a group in its history: a system message from the actor, stored and
   * delivered like any other, in seq order.
   */
  async postSystem(conversationId: number, system: SystemInfo, content: string): Promise<Message> {
    const info = await this.conversations.get(conversationId);
    try {
      const stored = await this.writer.write({
        conversationId,
        // A change made through the admin API (actor null) has no sender.
        senderId: system.actor_id ?? senderlessId(conversationId),
        clientId: null,
        content,
        system,
        meta: { memberIds: info?.memberIds ?? [], receiverId: undefined, origin: undefined },
      });
      return toWireMessage(stored, undefined, "sent");
    } catch (err) {
      throw asChatError(err);
    }
  }

  /**
   * An admin notice (contract §1): a system message with no sender, stored in seq order and
   * delivered to every member as a `message` frame. Not unread (a system message), not passed
   * to the before-send hook (it never goes through `send`); a repeated `clientId` in the same
   * conversation answers the notice stored the first time (see store/senderless.ts).
   */
  async postNotice(conversationId: number, content: string, clientId: string | undefined): Promise<SendResult> {
    validateContent(content);
    if (clientId !== undefined && !isWellFormedText(clientId)) {
      throw new ChatError("invalid_request", "client_id must be well-formed Unicode (no lone surrogates)");
    }
    const info = await this.conversations.get(conversationId);
    if (!info) throw ChatError.noConversation();
    this.inFlight++;
    try {
      const stored = await this.writer.write({
        conversationId,
        senderId: senderlessId(conversationId),
        clientId: clientId ?? null,
        content,
        system: { event: "notice" },
        meta: { memberIds: info.memberIds, receiverId: undefined, origin: undefined },
      });
      return { message: toWireMessage(stored, undefined, "sent"), duplicate: stored.duplicate };
    } catch (err) {
      throw asChatError(err);
    } finally {
      this.inFlight--;
    }
  }

  /** Waits until every send accepted so far has been committed or refused. */
  async drain(): Promise<void> {
    while (this.inFlight > 0) {
      await this.writer.drain();
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await this.writer.drain();
  }

  /** Validates a send and resolves its conversation and recipients. */
  private async prepare(senderId: number, input: SendInput, origin: SendOrigin | undefined): Promise<NewMessage<Delivery>> {
    const { content } = input;
    const uploadIds = input.attachments ?? [];
    validateAttachmentIds(uploadIds);
    validateMentionIds(input.mentions ?? []);
    validateContent(content, uploadIds.length > 0);
    if (input.clientId !== undefined && !isWellFormedText(input.clientId)) {
      throw new ChatError("invalid_request", "client_id must be well-formed Unicode (no lone surrogates)");
    }
    let conversationId: number;
    let memberIds: number[];
    let receiverId: number | undefined;
    if (input.receiverId !== undefined) {
      if (input.receiverId === senderId) {
        throw new ChatError("invalid_request", "cannot send a direct message to yourself");
      }
      if (this.options.provisionRecipients) {
        if (input.receiverId > MAX_TOKEN_USER_ID) throw new ChatError("not_found", `no user with id ${input.receiverId}`);
        await this.users.provision(input.receiverId);
      } else if (!(await this.users.exists(input.receiverId))) {
        throw new ChatError("not_found", `no user with id ${input.receiverId}`);
      }
      // Before the conversation is found or made: a block creates nothing.
      await this.blocks.check(senderId, input.receiverId);
      conversationId = await this.conversations.direct(senderId, input.receiverId);
      receiverId = input.receiverId;
      memberIds = [senderId, input.receiverId];
    } else if (input.conversationId !== undefined) {
      const info = await this.conversations.forMember(input.conversationId, senderId);
      if (!info) throw ChatError.noConversation();
      conversationId = info.id;
      memberIds = info.memberIds;
      receiverId = receiverOf(info.kind, info.memberIds, senderId);
      if (receiverId !== undefined) await this.blocks.check(senderId, receiverId);
    } else {
      throw new ChatError("invalid_request", "a send needs receiver_id or conversation_id");
    }
    return {
      conversationId,
      senderId,
      clientId: input.clientId ?? null,
      content,
      uploadIds,
      mentionIds: input.mentions ?? [],
      mentionNames: namesIn(content),
      replyToId: input.replyTo,
      threadRootId: input.threadRootId,
      meta: { memberIds, receiverId, origin },
    };
  }

  private publish(m: StoredMessage<Delivery>, wire: Message): void {
    this.broker.publish({
      // The members as of now: someone removed while this message was on its way does not get it.
      userIds: this.conversations.peek(m.conversationId)?.memberIds ?? m.meta.memberIds,
      frame: JSON.stringify({ type: "message", ...wire }),
      message: { conversationId: m.conversationId, seq: m.seq, senderId: m.senderId, createdAt: m.createdAt },
      excludeConnectionId: m.meta.origin?.connectionId,
    });
  }
}
