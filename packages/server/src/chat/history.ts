import type { AdminConversation, Conversation, ConversationMessagesResponse, Message, ReplyTo } from "@chatapp/protocol";
import { iso } from "../lib/time.js";
import type { ConversationsRepo } from "../store/conversations-repo.js";
import type { MessagesRepo, PageOptions } from "../store/messages-repo.js";
import type { PresenceRepo } from "../store/presence-repo.js";
import type { MemberRow, MessageRow } from "../store/schema.js";
import type { ConversationCache } from "./conversation-cache.js";
import { ChatError } from "./errors.js";
import type { Mentions } from "./mentions.js";
import { fieldsOf, receiverOf, statusFrom, statusFromSummary, toWireMessage } from "./message-view.js";
import type { Mutes } from "./mutes.js";
import type { Reactions } from "./reactions.js";
import type { Receipts } from "./receipts.js";

/** Reading: history pages, the (seed) history endpoint and the conversation list. */
export class History {
  constructor(
    private readonly messages: MessagesRepo,
    private readonly conversationsRepo: ConversationsRepo,
    private readonly conversations: ConversationCache,
    private readonly presence: PresenceRepo,
    private readonly receipts: Receipts,
    private readonly mentions: Mentions,
    private readonly reactions: Reactions,
    private readonly mutes: Mutes,
  ) {}

  /** Messages of one conversation in seq order; members only. */
  async page(userId: number, conversationId: number, opts: PageOptions): Promise<ConversationMessagesResponse> {
    const info = await this.conversations.forMember(conversationId, userId);
    if (!info) throw ChatError.noConversation();
    const [{ messages, hasMore }, members] = await Promise.all([
      this.messages.page(conversationId, opts),
      this.conversationsRepo.membersOf([conversationId]),
    ]);
    const quotes = await this.messages.quotes(messages);
    return {
      messages: await this.reactions.attach(
        userId,
        messages.map((m) => viewOf(m, info.kind, members, quotes)),
      ),
      has_more: hasMore,
    };
  }

  /**
   * (seed) `GET /api/messages/history`: the direct conversation with `otherUserId`, newest
   * first, and reading it marks the other user's messages read; without `otherUserId`, the
   * caller's latest messages across direct conversations.
   */
  async seedHistory(
    userId: number,
    q: { otherUserId?: number | undefined; limit: number; before?: number | undefined },
  ): Promise<Message[]> {
    let conversationIds: number[];
    if (q.otherUserId !== undefined) {
      const id = await this.conversationsRepo.findDirectId(userId, q.otherUserId);
      if (id === undefined) return [];
      conversationIds = [id];
    } else {
      conversationIds = await this.messages.directConversationIds(userId);
    }
    const rows = await this.messages.newestFirst(conversationIds, q.before, q.limit);
    const members = await this.conversationsRepo.membersOf([...new Set(rows.map((m) => m.conversation_id))]);
    const byConversation = groupMembers(members);
    const quotes = await this.messages.quotes(rows);
    const result = await this.reactions.attach(
      userId,
      rows.map((m) => viewOf(m, "direct", byConversation.get(m.conversation_id) ?? [], quotes)),
    );
    if (q.otherUserId !== undefined && rows.length > 0) {
      const newest = Math.max(...rows.map((m) => m.seq));
      await this.receipts.read(userId, rows[0]?.conversation_id as number, newest);
    }
    return result;
  }

  /** One conversation with every member (at most GROUP_MAX_MEMBERS); undefined for a non-member. */
  async one(userId: number, conversationId: number): Promise<Conversation | undefined> {
    return (await this.list(userId, { limit: 1, only: conversationId }))[0];
  }

  /**
   * One conversation as the admin API shows it: what every member sees alike, none of a
   * caller's own fields (read cursor, unread and mention counts, mute, reactions' `me`).
   * Read through a member's view, since the list is built per member; undefined when the
   * conversation does not exist or has no members left.
   */
  async oneForAdmin(conversationId: number): Promise<AdminConversation | undefined> {
    const info = await this.conversations.get(conversationId);
    const anyMember = info?.memberIds[0];
    if (anyMember === undefined) return undefined;
    const c = await this.one(anyMember, conversationId);
    if (!c) return undefined;
    const lastMessage = c.last_message && { ...c.last_message };
    if (lastMessage?.reactions) lastMessage.reactions = lastMessage.reactions.map(({ me: _me, ...r }) => r);
    return {
      id: c.id,
      kind: c.kind,
      title: c.title,
      members: c.members,
      member_count: c.member_count,
      last_seq: c.last_seq,
      last_message: lastMessage,
      last_activity: c.last_activity,
    };
  }

  /**
   * The caller's conversations, most recently active first: a fixed number of queries per
   * page. A page's size is bounded by its length, not by its groups' sizes: a group lists
   * only the caller among its `members`, with `member_count` (`one` lists them all).
   */
  async list(
    userId: number,
    options: { limit: number; before?: { activity: number; id: number } | undefined; only?: number | undefined },
  ): Promise<Conversation[]> {
    const rows = await this.conversationsRepo.listFor(userId, options);
    const ids = rows.map((r) => r.id);
    const directIds = rows.filter((r) => r.kind === "direct").map((r) => r.id);
    const [members, summaries, lastMessages, unread, mentionCounts, muteOf] = await Promise.all([
      options.only === undefined
        ? this.conversationsRepo.listedMembersOf(userId, ids, directIds)
        : this.conversationsRepo.membersOf(ids),
      this.conversationsRepo.summaries(ids),
      this.messages.lastOf(ids),
      this.messages.unreadCounts(userId, ids),
      this.mentions.unreadCounts(userId, ids),
      this.mutes.statesFor(userId, ids),
    ]);
    const [statuses, quotes, lastReactions] = await Promise.all([
      this.presence.list([...new Set(members.map((m) => m.user_id))]),
      this.messages.quotes(lastMessages),
      this.reactions.byMessage(
        userId,
        lastMessages.filter((m) => m.deleted_at === null).map((m) => m.id),
      ),
    ]);
    const online = new Set(statuses.filter((s) => s.status === "online").map((s) => s.user_id));
    const byConversation = groupMembers(members);
    const lastOf = new Map(lastMessages.map((m) => [m.conversation_id, m]));
    return rows.map((c) => {
      const cm = byConversation.get(c.id) ?? [];
      const last = lastOf.get(c.id);
      const summary = summaries.get(c.id) ?? { memberCount: cm.length, others: 0, minRead: 0, minReached: 0 };
      const lastMessage =
        last &&
        toWireMessage(
          fieldsOf(last, quotes),
          receiverOf(
            c.kind,
            cm.map((m) => m.user_id),
            last.sender_id,
          ),
          statusFromSummary(last.seq, summary),
        );
      const reactions = last && lastReactions.get(last.id);
      if (lastMessage && reactions) lastMessage.reactions = reactions;
      return {
        id: c.id,
        kind: c.kind,
        title: c.title,
        members: cm.map((m) => ({
          user_id: m.user_id,
          role: m.role,
          status: online.has(m.user_id) ? "online" : "offline",
          delivered_seq: m.delivered_seq,
          read_seq: m.read_seq,
        })),
        member_count: summary.memberCount,
        last_seq: c.last_seq,
        last_message: lastMessage ?? null,
        read_seq: c.read_seq,
        unread_count: unread.get(c.id) ?? 0,
        mention_count: mentionCounts.get(c.id) ?? 0,
        mentioned: (mentionCounts.get(c.id) ?? 0) > 0,
        ...muteOf(c.id),
        last_activity: iso(c.last_activity_at),
      };
    });
  }
}

/** A stored message as a member reads it, with its status from the members' cursors. */
export function viewOf(
  m: MessageRow,
  kind: "direct" | "group",
  members: MemberRow[],
  quotes: ReadonlyMap<number, ReplyTo>,
): Message {
  const memberIds = members.map((x) => x.user_id);
  return toWireMessage(fieldsOf(m, quotes), receiverOf(kind, memberIds, m.sender_id), statusFrom(m.seq, m.sender_id, members));
}

function groupMembers(members: MemberRow[]): Map<number, MemberRow[]> {
  const map = new Map<number, MemberRow[]>();
  for (const m of members) {
    const list = map.get(m.conversation_id);
    if (list) list.push(m);
    else map.set(m.conversation_id, [m]);
  }
  return map;
}
