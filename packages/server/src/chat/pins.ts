import { MAX_PINS, type Pin, type PinnedFrame, type ReplyTo, type UnpinnedFrame } from "@chatapp/protocol";
import type { Broker } from "../broker/broker.js";
import { iso } from "../lib/time.js";
import type { ConversationInfo, ConversationsRepo } from "../store/conversations-repo.js";
import type { MessagesRepo } from "../store/messages-repo.js";
import type { PinsRepo } from "../store/pins-repo.js";
import type { MemberRow, MessageRow, PinRow } from "../store/schema.js";
import type { ActionBudgets } from "./action-budgets.js";
import type { ConversationCache } from "./conversation-cache.js";
import { asChatError, ChatError } from "./errors.js";
import { fieldsOf, receiverOf, statusFrom, toWireMessage } from "./message-view.js";
import type { Reactions } from "./reactions.js";

/**
 * Pins (contract §9): owners pin in a group, either member in a direct conversation. Pins are
 * state, not history (no system message); each change reaches every member as one `pinned` or
 * `unpinned` event through the broker, and is paid from the pinner's action budget. A repeat
 * (pinning what is pinned, unpinning what is not) changes nothing, costs nothing and sends
 * nothing.
 */
export class Pins {
  constructor(
    private readonly repo: PinsRepo,
    private readonly messages: MessagesRepo,
    private readonly conversationsRepo: ConversationsRepo,
    private readonly cache: ConversationCache,
    private readonly broker: Broker,
    private readonly budgets: ActionBudgets,
    private readonly reactions: Reactions,
  ) {}

  /** The conversation's pins, newest first; members only. */
  async list(userId: number, conversationId: number): Promise<Pin[]> {
    try {
      const info = await this.member(userId, conversationId);
      const pins = await this.repo.list(conversationId);
      const rows = await this.repo.messages(pins.map((p) => p.message_id));
      const byId = new Map(rows.map((r) => [r.id, r]));
      return this.views(
        userId,
        info,
        pins.flatMap((pin) => {
          const row = byId.get(pin.message_id);
          return row ? [{ pin, row }] : [];
        }),
      );
    } catch (err) {
      throw asChatError(err);
    }
  }

  async pin(userId: number, conversationId: number, messageId: number): Promise<Pin> {
    try {
      const info = await this.allowed(userId, conversationId);
      const row = await this.messageIn(conversationId, messageId);
      if (row.deleted_at !== null) throw new ChatError("conflict", "the message was deleted");
      if (row.kind === "system") throw new ChatError("conflict", "system messages cannot be pinned");
      const existing = await this.repo.byMessage(messageId);
      let pin = existing;
      if (!pin) {
        this.budgets.action(userId);
        const added = await this.repo.add(
          { conversation_id: conversationId, message_id: messageId, pinned_by: userId, pinned_at: Date.now() },
          MAX_PINS,
        );
        if (added === "deleted") throw new ChatError("conflict", "the message was deleted");
        if (added === "full") throw new ChatError("conflict", `a conversation has at most ${MAX_PINS} pins: unpin one first`);
        pin = added.pin;
        if (added.created) {
          const frame: PinnedFrame = {
            type: "pinned",
            conversation_id: conversationId,
            message_id: messageId,
            by: userId,
            pinned_at: iso(pin.pinned_at),
          };
          this.broker.publish({ userIds: info.memberIds, frame: JSON.stringify(frame) });
        }
      }
      return (await this.views(userId, info, [{ pin, row }]))[0] as Pin;
    } catch (err) {
      throw asChatError(err);
    }
  }

  /** Unpins; also fine when the message was not pinned (or was deleted, which unpinned it). */
  async unpin(userId: number, conversationId: number, messageId: number): Promise<void> {
    try {
      const info = await this.allowed(userId, conversationId);
      await this.messageIn(conversationId, messageId);
      if (!(await this.repo.byMessage(messageId))) return;
      this.budgets.action(userId);
      const removed = await this.repo.remove(messageId);
      if (removed) this.announceUnpin(removed, userId, info.memberIds);
    } catch (err) {
      throw asChatError(err);
    }
  }

  /** A message was deleted (by `userId`): it is unpinned, and the members told so. */
  async messageDeleted(messageId: number, userId: number | null): Promise<void> {
    const removed = await this.repo.remove(messageId);
    if (!removed) return;
    const info = await this.cache.get(removed.conversation_id);
    if (info) this.announceUnpin(removed, userId, info.memberIds);
  }

  private announceUnpin(pin: PinRow, by: number | null, memberIds: number[]): void {
    const frame: UnpinnedFrame = { type: "unpinned", conversation_id: pin.conversation_id, message_id: pin.message_id, by };
    this.broker.publish({ userIds: memberIds, frame: JSON.stringify(frame) });
  }

  /** Pins with their messages as `userId` reads them now: quote as it is, reactions with `me`. */
  private async views(userId: number, info: ConversationInfo, pins: { pin: PinRow; row: MessageRow }[]): Promise<Pin[]> {
    const rows = pins.map((p) => p.row);
    const [members, quotes] = await Promise.all([this.conversationsRepo.membersOf([info.id]), this.messages.quotes(rows)]);
    const views = pins.map(({ pin, row }) => pinView(pin, row, info, members, quotes));
    const messages = await this.reactions.attach(
      userId,
      views.map((v) => v.message),
    );
    return views.map((v, i) => ({ ...v, message: messages[i] as Pin["message"] }));
  }

  private async member(userId: number, conversationId: number): Promise<ConversationInfo> {
    const info = await this.cache.forMember(conversationId, userId);
    if (!info) throw ChatError.noConversation();
    return info;
  }

  /** A member who may pin here: an owner of a group, either member of a direct conversation. */
  private async allowed(userId: number, conversationId: number): Promise<ConversationInfo> {
    const info = await this.member(userId, conversationId);
    if (info.kind === "group" && !info.ownerIds.includes(userId)) {
      throw new ChatError("forbidden", "only owners pin and unpin messages in a group");
    }
    return info;
  }

  private async messageIn(conversationId: number, messageId: number): Promise<MessageRow> {
    const row = await this.messages.byId(messageId);
    if (!row || row.conversation_id !== conversationId) {
      throw new ChatError("not_found", `no message ${messageId} in this conversation`);
    }
    return row;
  }
}

function pinView(
  pin: PinRow,
  row: MessageRow,
  info: ConversationInfo,
  members: MemberRow[],
  quotes: ReadonlyMap<number, ReplyTo>,
): Pin {
  return {
    message_id: pin.message_id,
    conversation_id: pin.conversation_id,
    pinned_by: pin.pinned_by,
    pinned_at: iso(pin.pinned_at),
    message: toWireMessage(
      fieldsOf(row, quotes),
      receiverOf(info.kind, info.memberIds, row.sender_id),
      statusFrom(row.seq, row.sender_id, members),
    ),
  };
}
