import { type Message, REACTION_LIMITS, type Reaction, type ReactionFrame, type ReactionsResponse } from "@chatapp/protocol";
import type { Broker } from "../broker/broker.js";
import type { RateLimiter } from "../lib/rate-limiter.js";
import type { MessagesRepo } from "../store/messages-repo.js";
import type { ReactionsRepo } from "../store/reactions-repo.js";
import type { ConversationCache } from "./conversation-cache.js";
import { isOneEmoji } from "./emoji.js";
import { asChatError, ChatError } from "./errors.js";

/**
 * Reactions (contract §8): add and remove one's own, idempotently; each change is one
 * `reaction` frame published once to the member list (every node, every connection, the
 * reacting one included). Reads attach a page's reactions with one query.
 */
export class Reactions {
  constructor(
    private readonly repo: ReactionsRepo,
    private readonly messages: MessagesRepo,
    private readonly cache: ConversationCache,
    private readonly broker: Broker,
    /** The frame rate limit, per user, for reactions that come over HTTP. */
    private readonly httpLimiter: RateLimiter<number>,
  ) {}

  /** Over HTTP: adds the caller's reaction and answers the message's reactions as the caller sees them. */
  react(userId: number, messageId: number, emoji: string): Promise<ReactionsResponse> {
    return this.answer(userId, messageId, emoji, "add");
  }

  /** Over HTTP: takes the caller's reaction back, answering like `react`. */
  unreact(userId: number, messageId: number, emoji: string): Promise<ReactionsResponse> {
    return this.answer(userId, messageId, emoji, "remove");
  }

  /**
   * A `react`/`unreact` frame: the connection has paid its frame limit, and the `reaction`
   * frame the socket gets with every member is its only answer.
   */
  async fromSocket(userId: number, messageId: number, emoji: string, action: ReactionFrame["action"]): Promise<void> {
    await this.change(userId, messageId, emoji, action);
  }

  /**
   * `messages` with their reactions, read in one query: `me` as `callerId` sees them, or left
   * out (null) for a frame fanned out to every member.
   */
  async attach(callerId: number | null, messages: Message[]): Promise<Message[]> {
    const live = messages.filter((m) => m.deleted !== true && m.kind !== "system").map((m) => m.id);
    const byMessage = await this.byMessage(callerId, live);
    if (byMessage.size === 0) return messages;
    return messages.map((m) => {
      const reactions = byMessage.get(m.id);
      return reactions ? { ...m, reactions } : m;
    });
  }

  /** The reactions of these messages, by message id (those without any left out), in one query. */
  async byMessage(callerId: number | null, messageIds: readonly number[]): Promise<Map<number, Reaction[]>> {
    const byMessage: Map<number, Reaction[]> = await this.repo.forMessages(messageIds, callerId ?? 0);
    if (callerId === null) {
      for (const list of byMessage.values()) for (const r of list) delete r.me;
    }
    return byMessage;
  }

  /** A deleted message takes its reactions with it (hooked to MessageEdits.onDelete). */
  removeForMessage(messageId: number): Promise<void> {
    return this.repo.removeForMessage(messageId);
  }

  private async answer(
    userId: number,
    messageId: number,
    emoji: string,
    action: ReactionFrame["action"],
  ): Promise<ReactionsResponse> {
    const conversationId = await this.change(userId, messageId, emoji, action, this.httpLimiter);
    const reactions = (await this.byMessage(userId, [messageId])).get(messageId) ?? [];
    return { message_id: messageId, conversation_id: conversationId, reactions };
  }

  /** Checks, stores and announces one change; returns the message's conversation. */
  private async change(
    userId: number,
    messageId: number,
    emoji: string,
    action: ReactionFrame["action"],
    limiter?: RateLimiter<number>,
  ): Promise<number> {
    try {
      if (!isOneEmoji(emoji)) throw new ChatError("invalid_request", "emoji: must be exactly one emoji (an RGI sequence)");
      const row = await this.messages.byId(messageId);
      const info = row && (await this.cache.forMember(row.conversation_id, userId));
      if (!row || !info) throw new ChatError("no_conversation", "no such message, or not in a conversation of yours");
      if (row.deleted_at !== null) throw new ChatError("not_reactable", "the message was deleted");
      if (row.kind === "system") throw new ChatError("not_reactable", "a system message takes no reactions");
      // A repeat changes nothing: it is answered without spending the budget kept for changes.
      if ((await this.repo.has(messageId, userId, emoji)) === (action === "add")) return row.conversation_id;
      if (limiter && !limiter.take(userId)) {
        throw ChatError.rateLimited("too many reactions", limiter.retryAfterMs(userId));
      }
      const changed =
        action === "add" ? await this.add(messageId, userId, emoji) : await this.repo.remove(messageId, userId, emoji);
      if (changed) {
        const frame: ReactionFrame = {
          type: "reaction",
          conversation_id: row.conversation_id,
          message_id: messageId,
          user_id: userId,
          emoji,
          action,
          count: await this.repo.count(messageId, emoji),
        };
        this.broker.publish({ userIds: info.memberIds, frame: JSON.stringify(frame) });
      }
      return row.conversation_id;
    } catch (err) {
      throw asChatError(err);
    }
  }

  /**
   * Adds under the message's row lock (ReactionsRepo.add): the cap and the deletion check
   * hold against every other add and delete at the same time.
   */
  private async add(messageId: number, userId: number, emoji: string): Promise<boolean> {
    const outcome = await this.repo.add(messageId, userId, emoji, Date.now(), REACTION_LIMITS.maxEmojiPerMessage);
    if (outcome === "deleted") throw new ChatError("not_reactable", "the message was deleted");
    if (outcome === "full") {
      throw new ChatError(
        "conflict",
        `a message carries at most ${REACTION_LIMITS.maxEmojiPerMessage} different emoji: react with one it already has`,
      );
    }
    return outcome === "added";
  }
}
