import { sql } from "kysely";
import type { Store } from "./database.js";
import type { MessageRow } from "./schema.js";

/**
 * The words of a search: letters and digits of any script, lower-cased, at most 8. Everything
 * else is dropped, so no user text reaches a full-text query language as syntax.
 */
export function searchTerms(query: string): string[] {
  return [...new Set((query.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []).slice(0, 8))];
}

/**
 * Full-text search over the messages of the user's conversations, with each dialect's own
 * index and ranking: every word must match (as a prefix); best match first, then newest.
 */
export class SearchRepo {
  constructor(private readonly store: Store) {}

  async search(userId: number, terms: string[], limit: number, offset: number): Promise<MessageRow[]> {
    if (terms.length === 0) return [];
    const { db } = this.store;
    const scope = sql`join members mb on mb.conversation_id = m.conversation_id and mb.user_id = ${userId}
      where m.deleted_at is null and m.kind = 'user'`;
    switch (this.store.adapter.name) {
      case "sqlite": {
        const match = terms.map((t) => `"${t}"*`).join(" ");
        const { rows } = await sql<MessageRow>`select m.* from messages_fts f
          join messages m on m.id = f.rowid ${scope} and messages_fts match ${match}
          order by bm25(messages_fts), m.id desc limit ${limit} offset ${offset}`.execute(db);
        return rows;
      }
      case "mysql": {
        const match = terms.map((t) => `+${t}*`).join(" ");
        const { rows } = await sql<MessageRow>`select m.* from messages m ${scope}
          and match(m.content) against (${match} in boolean mode)
          order by match(m.content) against (${match} in boolean mode) desc, m.id desc limit ${limit} offset ${offset}`.execute(
          db,
        );
        return rows;
      }
      case "postgres": {
        const match = terms.map((t) => `${t}:*`).join(" & ");
        const { rows } = await sql<MessageRow & { content_tsv?: unknown }>`select m.* from messages m ${scope}
          and m.content_tsv @@ to_tsquery('simple', ${match})
          order by ts_rank(m.content_tsv, to_tsquery('simple', ${match})) desc, m.id desc limit ${limit} offset ${offset}`.execute(
          db,
        );
        return rows.map(({ content_tsv: _tsv, ...row }) => row);
      }
    }
  }
}
