import type { SearchResponse } from "@chatapp/protocol";
import type { ConversationsRepo } from "../store/conversations-repo.js";
import type { MessagesRepo } from "../store/messages-repo.js";
import { MAX_SEARCH_WORDS, type SearchRepo, searchTerms } from "../store/search-repo.js";
import { asChatError, ChatError } from "./errors.js";
import { fieldsOf, receiverOf, statusFrom, toWireMessage } from "./message-view.js";
import type { Reactions } from "./reactions.js";

/** Search over the caller's conversations only, ranked, paged by offset. */
export class Search {
  constructor(
    private readonly repo: SearchRepo,
    private readonly conversationsRepo: ConversationsRepo,
    private readonly messages: MessagesRepo,
    private readonly reactions: Reactions,
  ) {}

  async search(userId: number, query: string, limit: number, offset: number): Promise<SearchResponse> {
    try {
      const terms = searchTerms(query);
      if (terms.length > MAX_SEARCH_WORDS) {
        throw new ChatError("invalid_request", `search at most ${MAX_SEARCH_WORDS} words at once`);
      }
      const rows = await this.repo.search(userId, terms, limit + 1, offset);
      const page = rows.slice(0, limit);
      const conversationIds = [...new Set(page.map((r) => r.conversation_id))];
      // A fixed number of queries per page, whatever it holds.
      const [members, kinds, quotes] = await Promise.all([
        this.conversationsRepo.membersOf(conversationIds),
        this.conversationsRepo.kinds(conversationIds),
        this.messages.quotes(page),
      ]);
      const messages = page.map((row) => {
        const cm = members.filter((m) => m.conversation_id === row.conversation_id);
        const receiver = receiverOf(
          kinds.get(row.conversation_id) ?? "group",
          cm.map((m) => m.user_id),
          row.sender_id,
        );
        return toWireMessage(fieldsOf(row, quotes), receiver, statusFrom(row.seq, row.sender_id, cm));
      });
      return { messages: await this.reactions.attach(userId, messages), has_more: rows.length > limit };
    } catch (err) {
      throw asChatError(err);
    }
  }
}
