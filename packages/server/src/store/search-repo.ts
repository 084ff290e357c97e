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
 * InnoDB's default stopwords and minimum token size (3): such words are not in a FULLTEXT
 * index, so requiring them would match nothing; they are left out of MySQL queries.
 */
const INNODB_STOPWORDS = new Set(
  "a about an are as at be by com de en for from how i in is it la of on or that the this to was what when where who will with und www".split(
    " ",
  ),
);
const innodbIndexes = (word: string) => [...word].length >= 3 && !INNODB_STOPWORDS.has(word);

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
        const indexed = terms.filter(innodbIndexes);
        if (indexed.length === 0) return [];
        const match = indexed.map((t) => `+${t}*`).join(" ");
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
