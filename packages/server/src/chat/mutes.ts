import type { MuteResponse } from "@chatapp/protocol";
import { iso } from "../lib/time.js";
import type { MutesRepo } from "../store/mutes-repo.js";
import type { ConversationCache } from "./conversation-cache.js";
import { asChatError, ChatError } from "./errors.js";

/** A conversation entry's mute fields, for the caller. */
export interface MuteState {
  muted: boolean;
  muted_until: string | null;
}

const NOT_MUTED: MuteState = { muted: false, muted_until: null };

/**
 * Muting (integrations §3): per user and conversation, members only. A mute withholds
 * notifications only (integrations §4); frames, history and unread counts stay as they are.
 * A mute with an end is over once the end has passed (nothing needs to remove the row).
 */
export class Mutes {
  constructor(
    private readonly repo: MutesRepo,
    private readonly conversations: ConversationCache,
  ) {}

  /** Mutes until `until` (ISO 8601, in the future) or, without it, until unmuted; a repeat replaces the end. */
  async mute(userId: number, conversationId: number, until: string | undefined): Promise<MuteResponse> {
    return this.guard(async () => {
      const now = Date.now();
      const end = until === undefined ? null : Date.parse(until);
      if (end !== null && !(end > now)) throw new ChatError("invalid_request", "until must be a time in the future");
      await this.requireMember(userId, conversationId);
      await this.repo.mute(userId, conversationId, end, now);
      return { conversation_id: conversationId, muted: true, muted_until: end === null ? null : iso(end) };
    });
  }

  async unmute(userId: number, conversationId: number): Promise<void> {
    return this.guard(async () => {
      await this.requireMember(userId, conversationId);
      await this.repo.unmute(userId, conversationId);
    });
  }

  /** Ends every mute of the user (erasure, integrations §1). */
  removeAllOf(userId: number): Promise<void> {
    return this.guard(() => this.repo.removeAllOf(userId));
  }

  /** The caller's mute state of each listed conversation (one query for a page). */
  async statesFor(userId: number, conversationIds: readonly number[]): Promise<(conversationId: number) => MuteState> {
    const active = await this.repo.activeFor(userId, conversationIds, Date.now());
    return (conversationId) => {
      if (!active.has(conversationId)) return NOT_MUTED;
      const end = active.get(conversationId);
      return { muted: true, muted_until: end == null ? null : iso(end) };
    };
  }

  /**
   * Of a conversation's `userIds`, those who have it muted now: the members a message's
   * notifications leave out (integrations §4).
   */
  mutedAmong(conversationId: number, userIds: readonly number[]): Promise<Set<number>> {
    return this.repo.mutedAmong(conversationId, userIds, Date.now());
  }

  private async requireMember(userId: number, conversationId: number): Promise<void> {
    if (!(await this.conversations.forMember(conversationId, userId))) throw ChatError.noConversation();
  }

  private async guard<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (err) {
      throw asChatError(err);
    }
  }
}
