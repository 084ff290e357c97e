import type { Kysely, Transaction } from "kysely";
import type { Database } from "./schema.js";

/** Who a message may mention: the send's ids and the `@names` of its text (lower-cased). */
export interface MentionCandidates {
  conversationId: number;
  senderId: number;
  ids: readonly number[];
  names: readonly string[];
}

/** The members a message mentions, and which of them its send named by id. */
export interface ResolvedMentions {
  userIds: number[];
  byId: Set<number>;
}

const NONE: ResolvedMentions = { userIds: [], byId: new Set() };

/**
 * Resolves each candidate list to the members it names, the sender left out, in one query per
 * 20 sends of the batch (more when their ids and names together pass 1,000). Called inside the
 * writer's transaction after the conversation rows are locked (the seq reservation):
 * membership changes lock the same row (ConversationsRepo.lock),
 * so what is read here is the membership at the moment the message is stored (READ COMMITTED
 * on MySQL and PostgreSQL, one writer at a time on SQLite). Names and ids of anyone else are
 * dropped without a word.
 */
export async function resolveMentions(trx: Kysely<Database>, lists: MentionCandidates[]): Promise<ResolvedMentions[]> {
  const resolved: ResolvedMentions[] = [];
  for (let start = 0; start < lists.length; start += LISTS_PER_QUERY) {
    resolved.push(...(await resolveChunk(trx, lists.slice(start, start + LISTS_PER_QUERY))));
  }
  return resolved;
}

/** Sends per lookup: their conversations are one `in` list of the query. */
const LISTS_PER_QUERY = 20;

/**
 * Ids and names per query, together: well under every driver's parameter limit. A send names
 * at most 50 ids but as many names as its text holds (up to 1,000), so the candidates of one
 * chunk of sends are looked up in as many queries as they need.
 */
const CANDIDATES_PER_QUERY = 1000;

type MemberName = { conversation_id: number; user_id: number; username: string | null };

async function resolveChunk(trx: Kysely<Database>, lists: MentionCandidates[]): Promise<ResolvedMentions[]> {
  const ids = [...new Set(lists.flatMap((l) => l.ids))];
  const names = [...new Set(lists.flatMap((l) => l.names))];
  if (ids.length === 0 && names.length === 0) return lists.map(() => NONE);
  const conversations = [...new Set(lists.map((l) => l.conversationId))];
  const rows: MemberName[] = [];
  // Ids first, then names, cut into pieces of CANDIDATES_PER_QUERY; one piece may hold both.
  const candidates: ({ id: number } | { name: string })[] = [...ids.map((id) => ({ id })), ...names.map((name) => ({ name }))];
  for (let start = 0; start < candidates.length; start += CANDIDATES_PER_QUERY) {
    const piece = candidates.slice(start, start + CANDIDATES_PER_QUERY);
    const pieceIds = piece.flatMap((c) => ("id" in c ? [c.id] : []));
    const pieceNames = piece.flatMap((c) => ("name" in c ? [c.name] : []));
    rows.push(
      ...(await trx
        .selectFrom("members as m")
        .leftJoin("users as u", "u.id", "m.user_id")
        .select(["m.conversation_id", "m.user_id", "u.username"])
        .where("m.conversation_id", "in", conversations)
        .where((eb) => {
          const named = [];
          if (pieceIds.length > 0) named.push(eb("m.user_id", "in", pieceIds));
          if (pieceNames.length > 0) named.push(eb("u.username", "in", pieceNames));
          return eb.or(named);
        })
        .execute()),
    );
  }
  return lists.map((list) => {
    const wantIds = new Set(list.ids);
    const wantNames = new Set(list.names);
    const found = new Set<number>();
    const byId = new Set<number>();
    for (const r of rows) {
      if (r.conversation_id !== list.conversationId || r.user_id === list.senderId) continue;
      if (wantIds.has(r.user_id)) {
        found.add(r.user_id);
        byId.add(r.user_id);
      }
      if (r.username !== null && wantNames.has(r.username)) found.add(r.user_id);
    }
    return { userIds: [...found].sort((a, b) => a - b), byId };
  });
}

/** One message's mention rows (its conversation and seq copied for the unread-mentions range). */
export interface MentionRows {
  messageId: number;
  conversationId: number;
  seq: number;
  mentions: ResolvedMentions;
}

const ROWS_PER_INSERT = 500;

/** Records who each message mentions. */
export async function insertMentionRows(trx: Kysely<Database> | Transaction<Database>, messages: MentionRows[]): Promise<void> {
  const rows = messages.flatMap((m) =>
    m.mentions.userIds.map((user_id) => ({
      message_id: m.messageId,
      user_id,
      conversation_id: m.conversationId,
      seq: m.seq,
      by_id: m.mentions.byId.has(user_id) ? 1 : 0,
    })),
  );
  for (let start = 0; start < rows.length; start += ROWS_PER_INSERT) {
    await trx
      .insertInto("mentions")
      .values(rows.slice(start, start + ROWS_PER_INSERT))
      .execute();
  }
}

/** The column on the message: JSON of the ids, NULL for none. */
export const mentionsColumn = (m: ResolvedMentions): string | null => (m.userIds.length > 0 ? JSON.stringify(m.userIds) : null);
