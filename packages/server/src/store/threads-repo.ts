import { MAX_QUOTE_CHARS, type ReplyTo } from "@chatapp/protocol";
import { type Kysely, sql, type Transaction } from "kysely";
import { DraftRefusal } from "./draft-refusal.js";
import type { Database, MessageRow } from "./schema.js";
import { wireSender } from "./senderless.js";

/**
 * Replies and threads in the store (contract §5-§6): the checks a send's `reply_to` and
 * `thread_root_id` pass inside the writer's transaction, the quotes of a page of messages in
 * one query, and the reply counters kept on each thread root.
 */

/** What a send names: its conversation and, when given, the message it quotes and its thread. */
export interface ThreadExtras {
  conversationId: number;
  replyToId?: number | undefined;
  threadRootId?: number | undefined;
}

type Referenced = Pick<
  MessageRow,
  "id" | "conversation_id" | "seq" | "sender_id" | "content" | "kind" | "thread_root_id" | "deleted_at"
>;

const REFERENCED_COLUMNS = [
  "id",
  "conversation_id",
  "seq",
  "sender_id",
  "content",
  "kind",
  "thread_root_id",
  "deleted_at",
] as const;

/** Ids per query: well under every driver's parameter limit. */
const IDS_PER_QUERY = 1000;

async function referenced(db: Kysely<Database>, ids: Iterable<number>): Promise<Map<number, Referenced>> {
  const all = [...new Set(ids)];
  const rows = new Map<number, Referenced>();
  for (let start = 0; start < all.length; start += IDS_PER_QUERY) {
    const chunk = all.slice(start, start + IDS_PER_QUERY);
    for (const row of await db.selectFrom("messages").select(REFERENCED_COLUMNS).where("id", "in", chunk).execute()) {
      rows.set(row.id, row);
    }
  }
  return rows;
}

/** A quote as it is now: the text cut to 200 code points; a deleted message's text never. */
function quoteOf(row: Referenced): ReplyTo {
  const quote: ReplyTo = { id: row.id, seq: row.seq, sender_id: wireSender(row.sender_id), content: "" };
  if (row.deleted_at !== null) quote.deleted = true;
  else quote.content = cut(row.content);
  return quote;
}

function cut(text: string): string {
  // Two UTF-16 units per code point at most: a shorter string is short enough as it is.
  if (text.length <= MAX_QUOTE_CHARS) return text;
  return [...text].slice(0, MAX_QUOTE_CHARS).join("");
}

/** The quotes of these messages (those that reply to one), by quoted id, in one query per 1,000. */
export async function quotesOf(
  db: Kysely<Database>,
  rows: readonly Pick<MessageRow, "reply_to_id">[],
): Promise<Map<number, ReplyTo>> {
  const ids = rows.flatMap((r) => (r.reply_to_id === null ? [] : [r.reply_to_id]));
  if (ids.length === 0) return new Map();
  const quotes = new Map<number, ReplyTo>();
  for (const [id, row] of await referenced(db, ids)) quotes.set(id, quoteOf(row));
  return quotes;
}

/**
 * Checks, inside the writer's transaction, what each send names, and answers per send the
 * quote as it is at sending (undefined when it quotes nothing) or why it is refused. Also
 * answers the quotes of `stored` rows (repeats of a client_id answer their stored message).
 *
 * Refused: a `reply_to` that is not a message of the same conversation (or was deleted: there
 * is nothing left to quote), a `thread_root_id` that is not a top-level user message of the
 * same conversation that is not deleted. A message's conversation, kind and thread never
 * change, so only a deletion can race these checks: a message deleted while a reply to it is
 * being stored is quoted (and listed) as deleted.
 */
export async function checkThreadExtras(
  trx: Transaction<Database>,
  sends: readonly ThreadExtras[],
  stored: readonly Pick<MessageRow, "reply_to_id">[],
): Promise<{ answers: (ReplyTo | undefined | DraftRefusal)[]; storedQuotes: Map<number, ReplyTo> }> {
  const ids: number[] = [];
  for (const s of sends) {
    if (s.replyToId !== undefined) ids.push(s.replyToId);
    if (s.threadRootId !== undefined) ids.push(s.threadRootId);
  }
  for (const r of stored) if (r.reply_to_id !== null) ids.push(r.reply_to_id);
  const rows = ids.length === 0 ? new Map<number, Referenced>() : await referenced(trx, ids);
  const answers = sends.map((s) => {
    const refusal = refusalOf(s, rows);
    if (refusal) return new DraftRefusal(refusal);
    const quoted = s.replyToId === undefined ? undefined : rows.get(s.replyToId);
    return quoted && quoteOf(quoted);
  });
  const storedQuotes = new Map<number, ReplyTo>();
  for (const r of stored) {
    const row = r.reply_to_id === null ? undefined : rows.get(r.reply_to_id);
    if (row) storedQuotes.set(row.id, quoteOf(row));
  }
  return { answers, storedQuotes };
}

/** Why a send may not name what it names; undefined when it may. Another conversation's messages read as missing. */
function refusalOf(s: ThreadExtras, rows: Map<number, Referenced>): string | undefined {
  if (s.replyToId !== undefined) {
    const quoted = rows.get(s.replyToId);
    if (!quoted || quoted.conversation_id !== s.conversationId) {
      return `reply_to: message ${s.replyToId} is not a message of this conversation`;
    }
    if (quoted.deleted_at !== null) return `reply_to: message ${s.replyToId} was deleted`;
  }
  if (s.threadRootId !== undefined) {
    const root = rows.get(s.threadRootId);
    if (!root || root.conversation_id !== s.conversationId) {
      return `thread_root_id: message ${s.threadRootId} is not a message of this conversation`;
    }
    if (root.kind === "system") return `thread_root_id: message ${s.threadRootId} is a system message`;
    if (root.thread_root_id !== null) {
      return `thread_root_id: message ${s.threadRootId} is itself in a thread (threads are one level deep)`;
    }
    if (root.deleted_at !== null) return `thread_root_id: message ${s.threadRootId} was deleted`;
  }
  return undefined;
}

/**
 * Counts new replies on their roots, inside the writer's transaction: one UPDATE for the
 * batch (the roots' conversations are locked by it already, so roots are never updated in
 * two orders at once).
 */
export async function countReplies(trx: Transaction<Database>, replies: Map<number, number>, at: number): Promise<void> {
  if (replies.size === 0) return;
  const increments = sql.join(
    [...replies].map(([id, n]) => sql`when ${sql.lit(id)} then ${sql.lit(n)}`),
    sql` `,
  );
  await trx
    .updateTable("messages")
    .set({ reply_count: sql`reply_count + case id ${increments} else 0 end`, last_reply_at: at })
    .where("id", "in", [...replies.keys()])
    .execute();
}

/**
 * A reply was deleted (in `trx`, with the deletion): its root counts one reply less, and
 * `last_reply_at` becomes that of the newest reply left (none: the root shows neither).
 *
 * The root row is locked first (where the dialect can; SQLite has one writer), so deletions
 * of replies of one root take their turns: each reads the replies left once those before it
 * have committed (READ COMMITTED on MySQL and PostgreSQL), and the last one writes what is
 * left after all of them. Lock order: the reply (updated by the deletion), then its root;
 * nothing locks a root and then one of its replies.
 */
export async function uncountReply(trx: Transaction<Database>, replyId: number, supportsForUpdate: boolean): Promise<void> {
  const reply = await trx.selectFrom("messages").select("thread_root_id").where("id", "=", replyId).executeTakeFirst();
  const rootId = reply?.thread_root_id;
  if (rootId === null || rootId === undefined) return;
  let lock = trx.selectFrom("messages").select("id").where("id", "=", rootId);
  if (supportsForUpdate) lock = lock.forUpdate();
  await lock.execute();
  // Read first, then written: MySQL cannot update a table it reads in a subquery.
  const newest = await trx
    .selectFrom("messages")
    .select("created_at")
    .where("thread_root_id", "=", rootId)
    .where("deleted_at", "is", null)
    .orderBy("seq", "desc")
    .limit(1)
    .executeTakeFirst();
  await trx
    .updateTable("messages")
    .set({
      reply_count: sql`case when reply_count > 0 then reply_count - 1 else 0 end`,
      last_reply_at: newest?.created_at ?? null,
    })
    .where("id", "=", rootId)
    .execute();
}

/**
 * Sets a thread root's reply count and newest reply from its replies that are not deleted
 * (after an erasure or a retention batch removed some of them).
 */
export async function recountReplies(trx: Transaction<Database>, rootId: number): Promise<void> {
  // Read first, then written: MySQL cannot update a table it reads in a subquery.
  const replies = await trx
    .selectFrom("messages")
    .select((eb) => [eb.fn.countAll<number>().as("n"), eb.fn.max("created_at").as("newest")])
    .where("thread_root_id", "=", rootId)
    .where("deleted_at", "is", null)
    .executeTakeFirst();
  await trx
    .updateTable("messages")
    .set({ reply_count: Number(replies?.n ?? 0), last_reply_at: replies?.newest == null ? null : Number(replies.newest) })
    .where("id", "=", rootId)
    .execute();
}
