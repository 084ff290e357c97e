import type { SearchResponse } from "@chatapp/protocol";
import type { ConversationsRepo } from "../store/conversations-repo.js";
import { type SearchRepo, searchTerms } from "../store/search-repo.js";
import type { ConversationCache } from "./conversation-cache.js";
import { asChatError } from "./errors.js";
import { fieldsOf, receiverOf, statusFrom, toWireMessage } from "./message-view.js";

/** Search over the caller's conversations only, ranked, paged by offset. */
export class Search {
  constructor(
    private readonly repo: SearchRepo,
    private readonly conversationsRepo: ConversationsRepo,
    private readonly cache: ConversationCache,
  ) {}

  async search(userId: number, query: string, limit: number, offset: number): Promise<SearchResponse> {
    try {
      const rows = await this.repo.search(userId, searchTerms(query), limit + 1, offset);
      const page = rows.slice(0, limit);
      const conversationIds = [...new Set(page.map((r) => r.conversation_id))];
      const members = await this.conversationsRepo.membersOf(conversationIds);
      const messages = [];
      for (const row of page) {
        const info = await this.cache.get(row.conversation_id);
        const cm = members.filter((m) => m.conversation_id === row.conversation_id);
        messages.push(
          toWireMessage(
            fieldsOf(row),
            info ? receiverOf(info.kind, info.memberIds, row.sender_id) : undefined,
            statusFrom(row.seq, row.sender_id, cm),
          ),
        );
      }
      return { messages, has_more: rows.length > limit };
    } catch (err) {
      throw asChatError(err);
    }
  }
}
