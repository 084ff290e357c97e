import {
  type Conversation,
  type ConversationUpdatedFrame,
  type MemberJoinedFrame,
  type MemberLeftFrame,
  SYSTEM_USER_IDS_SHOWN,
} from "@chatapp/protocol";
import type { Broker } from "../broker/broker.js";
import type { ConversationsRepo } from "../store/conversations-repo.js";
import type { UsersRepo } from "../store/users-repo.js";
import type { ActionBudgets } from "./action-budgets.js";
import type { Blocks } from "./blocks.js";
import type { ConversationCache } from "./conversation-cache.js";
import { asChatError, ChatError } from "./errors.js";
import type { History } from "./history.js";
import type { Messaging } from "./messaging.js";

/**
 * Creating conversations and managing groups. Owners add and remove members and change the
 * title; anyone may leave. Every change is recorded in the group's history as a system
 * message (in seq order with the chat) and announced to the members' connections as a
 * frame (`member_joined`, `member_left`, `conversation_updated`).
 */
export class ConversationAdmin {
  constructor(
    private readonly repo: ConversationsRepo,
    private readonly cache: ConversationCache,
    private readonly users: UsersRepo,
    private readonly messaging: Messaging,
    private readonly history: History,
    private readonly broker: Broker,
    private readonly maxGroupMembers: number,
    private readonly budgets: ActionBudgets,
    private readonly blocks: Blocks,
  ) {}

  /**
   * The direct conversation with `otherId`; `created` says whether it is new. Refused
   * (`blocked`: 403 `forbidden`) while either blocks the other, whether or not it exists:
   * an existing one stays readable through the other routes.
   */
  async direct(userId: number, otherId: number): Promise<{ conversation: Conversation; created: boolean }> {
    return this.guard(async () => {
      if (otherId === userId) throw new ChatError("invalid_request", "a direct conversation needs another user");
      await this.requireUsers([otherId]);
      await this.blocks.check(userId, otherId);
      const existing = await this.repo.findDirectId(userId, otherId);
      const id = existing ?? (await this.cache.direct(userId, otherId));
      return { conversation: await this.view(userId, id), created: existing === undefined };
    });
  }

  async createGroup(userId: number, title: string, memberIds: number[]): Promise<Conversation> {
    return this.guard(async () => {
      const name = cleanTitle(title);
      const members = [...new Set(memberIds)].filter((m) => m !== userId);
      if (members.length + 1 > this.maxGroupMembers) {
        throw new ChatError("conflict", `a group has at most ${this.maxGroupMembers} members`);
      }
      this.budgets.createGroup(userId, members.length);
      await this.requireUsers(members);
      const id = await this.repo.createGroup(name, userId, members);
      await this.cache.refresh(id);
      await this.messaging.postSystem(
        id,
        { event: "conversation_created", actor_id: userId, ...concerned([userId, ...members]), title: name },
        `created the group "${name}"`,
      );
      this.announce<MemberJoinedFrame>(id, {
        type: "member_joined",
        conversation_id: id,
        user_ids: [userId, ...members],
        by: userId,
      });
      return this.view(userId, id);
    });
  }

  async addMembers(actorId: number, conversationId: number, userIds: number[]): Promise<Conversation> {
    return this.guard(async () => {
      const info = await this.ownGroup(actorId, conversationId);
      const candidates = [...new Set(userIds)].filter((u) => !info.memberIds.includes(u));
      if (candidates.length + info.memberIds.length > this.maxGroupMembers) {
        throw new ChatError("conflict", `a group has at most ${this.maxGroupMembers} members`);
      }
      this.budgets.addMembers(actorId, candidates.length);
      await this.requireUsers(candidates);
      // The size limit is checked inside the transaction, with the conversation locked.
      const added = candidates.length === 0 ? [] : await this.repo.addMembers(conversationId, candidates, this.maxGroupMembers);
      if (added === "full") throw new ChatError("conflict", `a group has at most ${this.maxGroupMembers} members`);
      if (added.length > 0) {
        await this.cache.refresh(conversationId);
        await this.messaging.postSystem(
          conversationId,
          { event: "member_joined", actor_id: actorId, ...concerned(added) },
          `added ${added.length === 1 ? "a member" : `${added.length} members`}`,
        );
        this.announce<MemberJoinedFrame>(conversationId, {
          type: "member_joined",
          conversation_id: conversationId,
          user_ids: added,
          by: actorId,
        });
      }
      return this.view(actorId, conversationId);
    });
  }

  /** An owner removes a member, or a member leaves (`userId === actorId`). */
  async removeMember(actorId: number, conversationId: number, userId: number): Promise<void> {
    return this.guard(async () => {
      const info = await this.cache.forMember(conversationId, actorId);
      if (!info) throw ChatError.noConversation();
      if (info.kind !== "group") throw new ChatError("invalid_request", "members of a direct conversation cannot change");
      if (userId !== actorId && !info.ownerIds.includes(actorId)) {
        throw new ChatError("forbidden", "only an owner of the group can remove others");
      }
      if (!info.memberIds.includes(userId)) throw new ChatError("not_found", `user ${userId} is not a member`);
      this.budgets.action(actorId);
      // Before the row goes: from here on nothing new reaches the removed member.
      this.cache.dropMember(conversationId, userId);
      let removed = false;
      try {
        ({ removed } = await this.repo.removeMember(conversationId, userId));
      } finally {
        await this.cache.refresh(conversationId);
      }
      if (!removed) throw new ChatError("not_found", `user ${userId} is not a member`);
      const frame: MemberLeftFrame = { type: "member_left", conversation_id: conversationId, user_id: userId, by: actorId };
      this.broker.publish({ userIds: [userId], frame: JSON.stringify(frame) });
      await this.messaging.postSystem(
        conversationId,
        { event: "member_left", actor_id: actorId, user_ids: [userId] },
        userId === actorId ? "left the group" : "removed a member",
      );
      this.announce(conversationId, frame);
    });
  }

  async rename(actorId: number, conversationId: number, title: string): Promise<Conversation> {
    return this.guard(async () => {
      await this.ownGroup(actorId, conversationId);
      const name = cleanTitle(title);
      this.budgets.action(actorId);
      await this.repo.setTitle(conversationId, name);
      await this.cache.refresh(conversationId);
      await this.messaging.postSystem(
        conversationId,
        { event: "conversation_updated", actor_id: actorId, title: name },
        `renamed the group to "${name}"`,
      );
      this.announce<ConversationUpdatedFrame>(conversationId, {
        type: "conversation_updated",
        conversation_id: conversationId,
        title: name,
        by: actorId,
      });
      return this.view(actorId, conversationId);
    });
  }

  /** The group, if the actor owns it: 404 for outsiders, 403 for members who are not owners. */
  private async ownGroup(actorId: number, conversationId: number) {
    const info = await this.cache.forMember(conversationId, actorId);
    if (!info) throw ChatError.noConversation();
    if (info.kind !== "group") throw new ChatError("invalid_request", "members of a direct conversation cannot change");
    if (!info.ownerIds.includes(actorId)) throw new ChatError("forbidden", "only an owner of the group can do this");
    return info;
  }

  private async requireUsers(ids: number[]): Promise<void> {
    const found = await this.users.existingIds(ids);
    const missing = ids.filter((id) => !found.has(id));
    if (missing.length > 0) throw new ChatError("not_found", `no user with id ${missing.slice(0, 10).join(", ")}`);
  }

  private announce<F extends { conversation_id: number }>(conversationId: number, frame: F): void {
    const members = this.cache.peek(conversationId)?.memberIds ?? [];
    this.broker.publish({ userIds: members, frame: JSON.stringify(frame) });
  }

  private async view(userId: number, conversationId: number): Promise<Conversation> {
    const conversation = await this.history.one(userId, conversationId);
    if (!conversation) throw ChatError.noConversation();
    return conversation;
  }

  private async guard<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (err) {
      throw asChatError(err);
    }
  }
}

function cleanTitle(title: string): string {
  const name = title.trim();
  if (name === "") throw new ChatError("invalid_request", "title must not be empty");
  return name;
}

/**
 * The users a system message names: the frame announcing a change carries them all, but the
 * stored message (shown in history and as a list's last message) names the first few.
 */
function concerned(userIds: number[]): { user_ids: number[]; user_count?: number } {
  if (userIds.length <= SYSTEM_USER_IDS_SHOWN) return { user_ids: userIds };
  return { user_ids: userIds.slice(0, SYSTEM_USER_IDS_SHOWN), user_count: userIds.length };
}
