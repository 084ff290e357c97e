import { sql } from "kysely";
import type { Store } from "./database.js";
import type { MessageRow } from "./schema.js";

/** Most words a search may have: every one of them must match. */
export const MAX_SEARCH_WORDS = 16;

/**
 * The words of a search: letters (with their combining marks) and digits of any script,
 * NFC-normalized and lower-cased. Everything else is dropped, so no user text reaches a
 * full-text query language as syntax.
 */
export function searchTerms(query: string): string[] {
  return [
    ...new Set(
      query
        .normalize("NFC")
        .toLowerCase()
        .match(/[\p{L}\p{M}\p{N}]+/gu) ?? [],
    ),
  ];
}

/**
 * Full-text search over the messages of the user's conversations, with each dialect's own
 * index and ranking (store/dialects/<name>.ts): every word must match (as a prefix); best
 * match first, then newest.
 */
export class SearchRepo {
  constructor(private readonly store: Store) {}

  async search(userId: number, terms: string[], limit: number, offset: number): Promise<MessageRow[]> {
    if (terms.length === 0) return [];
    const { db } = this.store;
    const scope = sql`join members mb on mb.conversation_id = m.conversation_id and mb.user_id = ${userId}
      where m.deleted_at is null and m.kind = 'user'`;
    return this.store.adapter.search(db, scope, terms, limit, offset);
  }
}
