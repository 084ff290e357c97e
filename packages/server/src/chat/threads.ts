import type { ThreadMessagesResponse } from "@chatapp/protocol";
import type { ConversationsRepo } from "../store/conversations-repo.js";
import type { MessagesRepo, PageOptions } from "../store/messages-repo.js";
import type { ConversationCache } from "./conversation-cache.js";
import { ChatError } from "./errors.js";
import { viewOf } from "./history.js";
import type { Reactions } from "./reactions.js";

/**
 * Reading a thread (contract §6): its root and a page of its replies in seq order. Sending
 * into a thread is an ordinary send with `thread_root_id` (messaging.ts); the writer checks
 * the root and keeps its counters (store/threads-repo.ts).
 */
export class Threads {
  constructor(
    private readonly messages: MessagesRepo,
    private readonly conversationsRepo: ConversationsRepo,
    private readonly conversations: ConversationCache,
    private readonly reactions: Reactions,
  ) {}

  /**
   * `GET /api/conversations/:id/messages?thread=<root_id>`. 404 for a non-member, and for a
   * root that is not a top-level user message of this conversation (a system message has no
   * thread), deleted or not: a deleted root keeps its replies readable.
   */
  async thread(
    userId: number,
    conversationId: number,
    rootId: number,
    opts: Omit<PageOptions, "threadRootId" | "topLevel">,
  ): Promise<ThreadMessagesResponse> {
    const info = await this.conversations.forMember(conversationId, userId);
    if (!info) throw ChatError.noConversation();
    const root = await this.messages.byId(rootId);
    if (!root || root.conversation_id !== conversationId || root.thread_root_id !== null || root.kind === "system") {
      throw new ChatError("not_found", `message ${rootId} is not a thread root of this conversation`);
    }
    const [{ messages, hasMore }, members] = await Promise.all([
      this.messages.page(conversationId, { ...opts, threadRootId: rootId }),
      this.conversationsRepo.membersOf([conversationId]),
    ]);
    const quotes = await this.messages.quotes([root, ...messages]);
    // The root and the replies with their reactions, `me` for the caller: one query.
    const [withRoot, ...replies] = await this.reactions.attach(userId, [
      viewOf(root, info.kind, members, quotes),
      ...messages.map((m) => viewOf(m, info.kind, members, quotes)),
    ]);
    return { root: withRoot ?? viewOf(root, info.kind, members, quotes), messages: replies, has_more: hasMore };
  }
}
