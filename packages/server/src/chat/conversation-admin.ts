import {
  type AdminConversation,
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
 * Who acts: a user's id, or null for the admin API (contract §1), which may change any group,
 * is not paid from a user's action budget, and appears as `by`/`actor_id` null.
 */
export type Actor = number | null;

/**
 * Creating conversations and managing groups. Owners add and remove members and change the
 * title; anyone may leave; the admin API does the same to any conversation. Every change is
 * recorded in the group's history as a system message (in seq order with the chat) and
 * announced to the members' connections as a frame (`member_joined`, `member_left`,
 * `conversation_updated`).
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
      this.checkSize(members.length + 1);
      this.budgets.createGroup(userId, members.length);
      const id = await this.newGroup(userId, name, [userId, ...members], [userId]);
      return this.view(userId, id);
    });
  }

  /** The admin API's group: its members, `ownerIds` among them (default the first member). */
  async createGroupAsAdmin(title: string, memberIds: number[], ownerIds?: number[]): Promise<AdminConversation> {
    return this.guard(async () => {
      const name = cleanTitle(title);
      const members = [...new Set(memberIds)];
      const owners = ownerIds === undefined ? members.slice(0, 1) : [...new Set(ownerIds)];
      if (members.length === 0) throw new ChatError("invalid_request", "member_ids must name at least one user");
      const outside = owners.filter((o) => !members.includes(o));
      if (outside.length > 0)
        throw new ChatError("invalid_request", `owner_ids must be members: ${outside.slice(0, 10).join(", ")}`);
      if (owners.length === 0) throw new ChatError("invalid_request", "owner_ids must name at least one member");
      this.checkSize(members.length);
      const id = await this.newGroup(null, name, members, owners);
      return this.adminView(id);
    });
  }

  /** The admin API's direct conversation of two users; `created` says whether it is new. */
  async directAsAdmin(a: number, b: number): Promise<{ conversation: AdminConversation; created: boolean }> {
    return this.guard(async () => {
      if (a === b) throw new ChatError("invalid_request", "a direct conversation needs two different users");
      await this.requireUsers([a, b]);
      const existing = await this.repo.findDirectId(a, b);
      const id = existing ?? (await this.cache.direct(a, b));
      return { conversation: await this.adminView(id), created: existing === undefined };
    });
  }

  /** Stores a group, records its creation in its history and announces it; `members` lists the creator first. */
  private async newGroup(actor: Actor, name: string, members: number[], owners: number[]): Promise<number> {
    await this.requireUsers(actor === null ? members : members.filter((m) => m !== actor));
    const id = await this.repo.createGroup(name, actor, members, owners);
    await this.cache.refresh(id);
    await this.messaging.postSystem(
      id,
      { event: "conversation_created", actor_id: actor, ...concerned(members), title: name },
      `created the group "${name}"`,
    );
    this.announce<MemberJoinedFrame>(id, { type: "member_joined", conversation_id: id, user_ids: members, by: actor });
    return id;
  }

  private checkSize(members: number): void {
    if (members > this.maxGroupMembers) {
      throw new ChatError("conflict", `a group has at most ${this.maxGroupMembers} members`);
    }
  }

  async addMembers(actorId: number, conversationId: number, userIds: number[]): Promise<Conversation> {
    return this.guard(async () => {
      await this.add(actorId, conversationId, userIds);
      return this.view(actorId, conversationId);
    });
  }

  async addMembersAsAdmin(conversationId: number, userIds: number[]): Promise<AdminConversation> {
    return this.guard(async () => {
      await this.add(null, conversationId, userIds);
      return this.adminView(conversationId);
    });
  }

  private async add(actorId: Actor, conversationId: number, userIds: number[]): Promise<void> {
    const info = await this.ownGroup(actorId, conversationId);
    const candidates = [...new Set(userIds)].filter((u) => !info.memberIds.includes(u));
    this.checkSize(candidates.length + info.memberIds.length);
    if (actorId !== null) this.budgets.addMembers(actorId, candidates.length);
    await this.requireUsers(candidates);
    // The size limit is checked inside the transaction, with the conversation locked.
    const added =
      candidates.length === 0 ? [] : await this.repo.addMembers(conversationId, candidates, this.maxGroupMembers, actorId);
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
  }

  /** An owner (or the admin API) removes a member, or a member leaves (`userId === actorId`). */
  async removeMember(actorId: Actor, conversationId: number, userId: number): Promise<void> {
    return this.guard(async () => {
      const info = actorId === null ? await this.cache.get(conversationId) : await this.cache.forMember(conversationId, actorId);
      if (!info) throw ChatError.noConversation();
      if (info.kind !== "group") throw new ChatError("invalid_request", "members of a direct conversation cannot change");
      if (actorId !== null && userId !== actorId && !info.ownerIds.includes(actorId)) {
        throw new ChatError("forbidden", "only an owner of the group can remove others");
      }
      if (!info.memberIds.includes(userId)) throw new ChatError("not_found", `user ${userId} is not a member`);
      if (actorId !== null) this.budgets.action(actorId);
      // Before the row goes: from here on nothing new reaches the removed member.
      this.cache.dropMember(conversationId, userId);
      let removed = false;
      try {
        ({ removed } = await this.repo.removeMember(conversationId, userId, actorId));
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

  /**
   * The group, if the actor owns it: 404 for outsiders, 403 for members who are not owners.
   * The admin API (null) owns every group.
   */
  private async ownGroup(actorId: Actor, conversationId: number) {
    const info = actorId === null ? await this.cache.get(conversationId) : await this.cache.forMember(conversationId, actorId);
    if (!info) throw ChatError.noConversation();
    if (info.kind !== "group") throw new ChatError("invalid_request", "members of a direct conversation cannot change");
    if (actorId !== null && !info.ownerIds.includes(actorId)) {
      throw new ChatError("forbidden", "only an owner of the group can do this");
    }
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

  /** A conversation as the admin API answers it (history.ts `oneForAdmin`). */
  private async adminView(conversationId: number): Promise<AdminConversation> {
    const conversation = await this.history.oneForAdmin(conversationId);
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
