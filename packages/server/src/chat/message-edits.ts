import type { Message, MessageDeletedFrame } from "@chatapp/protocol";
import type { Broker } from "../broker/broker.js";
import type { ConversationsRepo } from "../store/conversations-repo.js";
import type { MessagesRepo } from "../store/messages-repo.js";
import type { MessageRow } from "../store/schema.js";
import type { ActionBudgets } from "./action-budgets.js";
import type { BeforeSendHook } from "./before-send.js";
import type { ConversationCache } from "./conversation-cache.js";
import { asChatError, ChatError } from "./errors.js";
import type { LinkPreviewUpdates } from "./link-preview-updates.js";
import { fieldsOf, receiverOf, statusFrom, toWireMessage } from "./message-view.js";
import { validateContent } from "./messaging.js";
import type { Reactions } from "./reactions.js";

/**
 * Editing and deleting one's own messages. A deleted message keeps its place (seq) with its
 * content removed. Members get `message_updated` / `message_deleted`. Others' messages (and
 * system messages) are 403; a message in a conversation one is not in is 404. Each edit or
 * delete is paid from the user's action budget (it reaches every member).
 */
export class MessageEdits {
  private readonly deleteHooks: ((messageId: number, userId: number | null) => Promise<void>)[] = [];
  private readonly editHooks: ((row: MessageRow) => Promise<MessageRow>)[] = [];

  constructor(
    private readonly messages: MessagesRepo,
    private readonly conversationsRepo: ConversationsRepo,
    private readonly cache: ConversationCache,
    private readonly broker: Broker,
    private readonly budgets: ActionBudgets,
    /** An edited message keeps its reactions: its answer and frame carry them. */
    private readonly reactions: Reactions,
    /** Link previews of the edited text, when they are on. */
    private readonly previews?: LinkPreviewUpdates,
    /** BEFORE_SEND_URL set: an edit asks the hook before it is stored (contract §2). */
    private readonly hook?: Pick<BeforeSendHook, "check">,
  ) {}

  /**
   * Runs `hook` after each message deletion, before the deletion is answered (attachments go
   * with it); `userId` is the deleter, null for an admin.
   */
  onDelete(hook: (messageId: number, userId: number | null) => Promise<void>): void {
    this.deleteHooks.push(hook);
  }

  /** Runs `hook` on each edited row before it is shown to anyone; it answers the row as it is then. */
  onEdit(hook: (row: MessageRow) => Promise<MessageRow>): void {
    this.editHooks.push(hook);
  }

  async edit(userId: number, messageId: number, content: string): Promise<Message> {
    try {
      const { row, info } = await this.own(userId, messageId);
      if (row.deleted_at !== null) throw new ChatError("conflict", "the message was deleted");
      // A message with files may lose its caption, as it could be sent without one.
      validateContent(content, row.attachments !== null);
      this.budgets.action(userId);
      // Refused by the hook, the message stays as it was: nothing below has run.
      await this.hook?.check({
        conversationId: row.conversation_id,
        senderId: userId,
        content,
        receiverId: receiverOf(info.kind, info.memberIds, userId),
        messageId,
      });
      // The old text's previews go with it; the new text's come in a second message_updated.
      let updated = await this.messages.update(messageId, { content, edited_at: Date.now(), link_previews: null });
      if (!updated) throw new ChatError("conflict", "the message was deleted");
      for (const hook of this.editHooks) updated = await hook(updated);
      const message = await this.view(updated, info);
      // The frame goes to every member: its reactions leave out `me`; the answer has it.
      const [shared] = await this.reactions.attach(null, [message]);
      this.broker.publish({ userIds: info.memberIds, frame: JSON.stringify({ type: "message_updated", ...shared }) });
      this.previews?.request({ id: updated.id, conversationId: updated.conversation_id, content, editedAt: updated.edited_at });
      return (await this.reactions.attach(userId, [message]))[0] ?? message;
    } catch (err) {
      throw asChatError(err);
    }
  }

  async delete(userId: number, messageId: number): Promise<Message> {
    try {
      const { row, info } = await this.own(userId, messageId);
      return await this.remove(row, info, userId);
    } catch (err) {
      throw asChatError(err);
    }
  }

  /**
   * An admin deletes a message (integrations §5): as if its author had, with the same frames,
   * hooks (pins, reactions, mentions, attachments) and events, `by` null. No budget: the
   * admin API is trusted. Unknown message: 404. System messages keep the record of what
   * happened in a conversation: only a notice (an admin's own words) may go.
   */
  async deleteAsAdmin(messageId: number): Promise<Message> {
    try {
      const row = await this.messages.byId(messageId);
      const info = row && (await this.cache.get(row.conversation_id));
      if (!row || !info) throw new ChatError("not_found", "no such message");
      if (row.kind === "system" && !isNotice(row)) {
        throw new ChatError("conflict", "a system message records a change to the conversation: it cannot be deleted");
      }
      return await this.remove(row, info, null);
    } catch (err) {
      throw asChatError(err);
    }
  }

  /** Deletes `row` on behalf of `actor` (null: an admin); a repeat answers it as it is. */
  private async remove(
    row: MessageRow,
    info: { kind: "direct" | "group"; memberIds: number[] },
    actor: number | null,
  ): Promise<Message> {
    const messageId = row.id;
    if (row.deleted_at !== null) {
      // A repeat also finishes what a failed hook left (it removes only what is still there).
      for (const hook of this.deleteHooks) await hook(messageId, actor);
      return this.view(row, info);
    }
    if (actor !== null) this.budgets.action(actor);
    const updated = await this.messages.update(messageId, {
      content: "",
      deleted_at: Date.now(),
      link_previews: null,
      attachments: null,
    });
    // Deleted meanwhile by another request, which told the members: show it as it is now.
    if (!updated) return this.view((await this.messages.byId(messageId)) ?? row, info);
    const frame: MessageDeletedFrame = {
      type: "message_deleted",
      id: row.id,
      conversation_id: row.conversation_id,
      seq: row.seq,
    };
    this.broker.publish({ userIds: info.memberIds, frame: JSON.stringify(frame) });
    for (const hook of this.deleteHooks) await hook(messageId, actor);
    return this.view(updated, info);
  }

  private async own(userId: number, messageId: number) {
    const row = await this.messages.byId(messageId);
    const info = row && (await this.cache.forMember(row.conversation_id, userId));
    if (!row || !info) throw new ChatError("not_found", "no such message, or not in a conversation of yours");
    if (row.sender_id !== userId || row.kind === "system") {
      throw new ChatError("forbidden", "only the sender can change a message");
    }
    return { row, info };
  }

  private async view(row: MessageRow, info: { kind: "direct" | "group"; memberIds: number[] }): Promise<Message> {
    const [members, quotes] = await Promise.all([
      this.conversationsRepo.membersOf([row.conversation_id]),
      this.messages.quotes([row]),
    ]);
    return toWireMessage(
      fieldsOf(row, quotes),
      receiverOf(info.kind, info.memberIds, row.sender_id),
      statusFrom(row.seq, row.sender_id, members),
    );
  }
}

/** An admin's notice (a system message with `"event":"notice"`): the one system message an admin may delete. */
function isNotice(row: MessageRow): boolean {
  if (row.system_event === null) return false;
  try {
    return (JSON.parse(row.system_event) as { event?: unknown }).event === "notice";
  } catch {
    return false;
  }
}
