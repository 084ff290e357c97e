import type { TypingEventFrame } from "@chatapp/protocol";
import type { Broker } from "../broker/broker.js";
import { BoundedMap } from "../lib/bounded-map.js";
import type { Blocks } from "./blocks.js";
import type { ConversationCache } from "./conversation-cache.js";
import { asChatError, ChatError } from "./errors.js";

/** How often one user's typing in one conversation is relayed; extra frames are dropped quietly. */
export const TYPING_INTERVAL_MS = 2000;

/**
 * Typing indicators: relayed to the other members, never stored. Between two users of whom
 * either blocks the other, typing is not relayed either way (in groups too): the blocker
 * does not see the blocked user type, and the blocked user learns nothing from its absence
 * in a direct conversation where they cannot send anyway.
 */
export class Typing {
  private readonly lastRelayed = new BoundedMap<string, number>(100_000);

  constructor(
    private readonly conversations: ConversationCache,
    private readonly broker: Broker,
    private readonly blocks: Blocks,
  ) {}

  async typing(userId: number, conversationId: number): Promise<void> {
    let info: Awaited<ReturnType<ConversationCache["forMember"]>>;
    let hidden: ReadonlySet<number>;
    try {
      info = await this.conversations.forMember(conversationId, userId);
      hidden = info ? await this.blocks.pairsOf(userId) : new Set();
    } catch (err) {
      throw asChatError(err);
    }
    if (!info) throw ChatError.noConversation();
    const key = `${conversationId}:${userId}`;
    const now = Date.now();
    if (now - (this.lastRelayed.get(key) ?? 0) < TYPING_INTERVAL_MS) return;
    this.lastRelayed.set(key, now);
    const frame: TypingEventFrame = { type: "typing", conversation_id: conversationId, user_id: userId };
    this.broker.publish({
      userIds: info.memberIds.filter((id) => id !== userId && !hidden.has(id)),
      frame: JSON.stringify(frame),
    });
  }
}
