import type { ReplyTo, SystemInfo } from "@chatapp/protocol";
import { type Kysely, sql, type Transaction } from "kysely";
import { checkClaims, linkUploads } from "./claim-uploads.js";
import type { DialectAdapter } from "./dialects/index.js";
import type { DraftRefusal } from "./draft-refusal.js";
import {
  insertMentionRows,
  type MentionCandidates,
  mentionsColumn,
  type ResolvedMentions,
  resolveMentions,
} from "./mention-rows.js";
import { queueNotificationJobs } from "./notification-jobs-repo.js";
import { appendEvents, messageData, readSinks, receiverFromDirectKey, wants } from "./outbox.js";
import type { Database, MessageRow } from "./schema.js";
import { checkThreadExtras, countReplies } from "./threads-repo.js";

/**
 * One group-commit transaction's work, with no state of its own (the writer keeps that):
 * Store.writeBatch runs it in a transaction.
 */

/** A message to store: what the writer was given, without what only the caller needs. */
export interface MessageDraft {
  conversationId: number;
  senderId: number;
  clientId: string | null;
  content: string;
  system?: SystemInfo | undefined;
  /** Upload ids to send with it: the sender's own, finished, not sent yet (checked here). */
  uploadIds?: readonly number[] | undefined;
  /** Who it may mention: user ids and lower-cased `@names`; only members are kept (checked here). */
  mentionIds?: readonly number[] | undefined;
  mentionNames?: readonly string[] | undefined;
  /** The message it quotes, of the same conversation (checked here). */
  replyToId?: number | undefined;
  /** The thread it replies in: a top-level user message of the same conversation (checked here). */
  threadRootId?: number | undefined;
}

/**
 * Per draft, in the same order: the stored row, and whether it was stored before (a repeat),
 * with the message it quotes as it is now; or why the draft was refused while the rest of the
 * batch was stored.
 */
export type BatchResult = { row: MessageRow; duplicate: boolean; quote?: ReplyTo | undefined } | { refused: DraftRefusal };

export const idemKey = (senderId: number, clientId: string) => `${senderId}\u0000${clientId}`;

const INSERT_CHUNK = 500;

/** What the batch's transaction needs besides its messages. */
export interface BatchOptions {
  /** How long a notification job waits for more messages of its conversation (PUSH_COLLAPSE_MS). */
  notificationDelayMs: number;
}

/**
 * Stores a batch inside transaction `trx`. Repeats of (sender, client_id) answer with what was
 * stored before, and repeats inside the batch with the first of them. Each new message gets
 * the next `seq` of its conversation.
 */
export async function insertBatch(
  trx: Transaction<Database>,
  adapter: Pick<DialectAdapter, "supportsReturning" | "supportsForUpdate" | "indexMessages">,
  messages: MessageDraft[],
  options: BatchOptions = { notificationDelayMs: 0 },
): Promise<BatchResult[]> {
  const now = Date.now();
  const results: (BatchResult | undefined)[] = new Array(messages.length);
  // 1. Idempotency: answer repeats of (sender, client_id) with what was stored before,
  //    and repeats inside this batch with the first of them.
  const keyed = messages.filter((m) => m.clientId !== null);
  const existing = new Map<string, MessageRow>();
  for (const row of await findByClientIds(trx, keyed)) {
    existing.set(idemKey(row.sender_id, row.client_id as string), row);
  }
  let fresh: number[] = [];
  const firstInBatch = new Map<string, number>();
  const repeatOf = new Map<number, number>();
  messages.forEach((m, i) => {
    if (m.clientId !== null) {
      const key = idemKey(m.senderId, m.clientId);
      const stored = existing.get(key);
      if (stored) {
        results[i] = { row: stored, duplicate: true };
        return;
      }
      const first = firstInBatch.get(key);
      if (first !== undefined) {
        repeatOf.set(i, first);
        return;
      }
      firstInBatch.set(key, i);
    }
    fresh.push(i);
  });
  // 2. Quotes and threads: a draft naming a message it may not quote or reply in is refused alone.
  const quotes = new Map<number, ReplyTo>();
  const referring = fresh.filter((i) => {
    const m = messages[i] as MessageDraft;
    return m.replyToId !== undefined || m.threadRootId !== undefined;
  });
  const repeats = results.flatMap((r) => (r && "row" in r && r.row.reply_to_id !== null ? [r] : []));
  if (referring.length > 0 || repeats.length > 0) {
    const checked = await checkThreadExtras(
      trx,
      referring.map((i) => messages[i] as MessageDraft),
      repeats.map((r) => r.row),
    );
    referring.forEach((i, k) => {
      const answer = checked.answers[k];
      if (answer instanceof Error) results[i] = { refused: answer };
      else if (answer) quotes.set(i, answer);
    });
    for (const r of repeats) r.quote = checked.storedQuotes.get(r.row.reply_to_id as number);
    fresh = fresh.filter((i) => results[i] === undefined);
  }
  // 3. Attachments: a draft naming an upload it may not carry is refused alone.
  const attachments = new Map<number, string>();
  const claiming = fresh.filter((i) => ((messages[i] as MessageDraft).uploadIds?.length ?? 0) > 0);
  if (claiming.length > 0) {
    const claims = claiming.map((i) => {
      const m = messages[i] as MessageDraft;
      return { senderId: m.senderId, uploadIds: m.uploadIds ?? [] };
    });
    const checked = await checkClaims(trx, adapter, claims);
    claiming.forEach((i, k) => {
      const answer = checked[k];
      if (Array.isArray(answer)) attachments.set(i, JSON.stringify(answer));
      else if (answer) results[i] = { refused: answer };
    });
    fresh = fresh.filter((i) => results[i] === undefined);
  }

  if (fresh.length > 0) {
    // 4. Reserve seqs: one UPDATE moves every touched conversation's last_seq forward and
    //    locks those rows until commit; then read where each range ends.
    const counts = new Map<number, number>();
    for (const i of fresh) {
      const c = (messages[i] as MessageDraft).conversationId;
      counts.set(c, (counts.get(c) ?? 0) + 1);
    }
    const ids = [...counts.keys()];
    const increments = sql.join(
      [...counts].map(([id, n]) => sql`when ${sql.lit(id)} then ${sql.lit(n)}`),
      sql` `,
    );
    const update = trx
      .updateTable("conversations")
      .set({ last_seq: sql`last_seq + case id ${increments} else 0 end`, last_activity_at: now })
      .where("id", "in", ids);
    // Where there is RETURNING, the UPDATE answers with the new ends itself.
    // (direct_key names a direct conversation's two members: the webhook event's receiver_id.)
    let ends: { id: number; last_seq: number; direct_key: string | null }[];
    if (adapter.supportsReturning) {
      ends = await update.returning(["id", "last_seq", "direct_key"]).execute();
    } else {
      await update.execute();
      ends = await trx.selectFrom("conversations").select(["id", "last_seq", "direct_key"]).where("id", "in", ids).execute();
    }
    const nextSeq = new Map<number, number>();
    const directKeys = new Map<number, string | null>();
    for (const row of ends) {
      nextSeq.set(row.id, row.last_seq - (counts.get(row.id) ?? 0) + 1);
      directKeys.set(row.id, row.direct_key);
    }
    if (nextSeq.size !== counts.size) throw new Error("message for a conversation that does not exist");

    // 5. Mentions: read now that the conversation rows are locked, so membership is as of the store.
    const mentions = await resolveMentions(
      trx,
      fresh.map((i) => mentionCandidates(messages[i] as MessageDraft)),
    );

    // 6. Insert, in chunks that stay under every driver's parameter limit.
    const rows = fresh.map((i, k) => {
      const m = messages[i] as MessageDraft;
      const seq = nextSeq.get(m.conversationId) as number;
      nextSeq.set(m.conversationId, seq + 1);
      return {
        conversation_id: m.conversationId,
        seq,
        sender_id: m.senderId,
        client_id: m.clientId,
        content: m.content,
        created_at: now,
        kind: m.system ? ("system" as const) : ("user" as const),
        system_event: m.system ? JSON.stringify(m.system) : null,
        attachments: attachments.get(i) ?? null,
        mentions: mentionsColumn(mentions[k] as ResolvedMentions),
        reply_to_id: m.replyToId ?? null,
        thread_root_id: m.threadRootId ?? null,
      };
    });
    const idOf = await insertRows(trx, adapter, rows);
    if (adapter.indexMessages) {
      // Ids only grow and this transaction is the only writer, so the range holds exactly its rows.
      let first = Number.POSITIVE_INFINITY;
      let last = 0;
      for (const id of idOf.values()) {
        if (id < first) first = id;
        if (id > last) last = id;
      }
      await adapter.indexMessages(trx, first, last);
    }
    rows.forEach((row, k) => {
      const id = idOf.get(`${row.conversation_id}:${row.seq}`);
      if (id === undefined) throw new Error("inserted message not found");
      const i = fresh[k] as number;
      const stored = { ...row, id, edited_at: null, deleted_at: null, link_previews: null, reply_count: 0, last_reply_at: null };
      results[i] = { row: stored, duplicate: false, quote: quotes.get(i) };
    });
    await insertMentionRows(
      trx,
      rows.map((row, k) => ({
        messageId: (results[fresh[k] as number] as { row: MessageRow }).row.id,
        conversationId: row.conversation_id,
        seq: row.seq,
        mentions: mentions[k] as ResolvedMentions,
      })),
    );
    // 7. The webhook outbox: one message.created per new message, in seq order, committed with them.
    //    The sinks are read once for the events and the notification gate below.
    const sinks = await readSinks(trx);
    await appendEvents(
      trx,
      fresh.map((i) => {
        const { row, quote } = results[i] as { row: MessageRow; quote?: ReplyTo | undefined };
        const receiver = receiverFromDirectKey(directKeys.get(row.conversation_id) ?? null, row.sender_id);
        return { type: "message.created", conversationId: row.conversation_id, data: messageData(row, receiver, quote) };
      }),
      now,
      sinks,
    );
    // 7b. Notification jobs (integrations §4), only when a notification could go anywhere: a
    //     push subscription exists or an endpoint wants notification.needed. Otherwise the
    //     batch pays nothing more than the sinks' read above.
    if (sinks.anySubscription || wants(sinks, "notification.needed")) {
      await queueNotificationJobs(trx, rows, now, options.notificationDelayMs);
    }
    // 8. Thread roots count their new replies.
    const replies = new Map<number, number>();
    for (const row of rows) {
      if (row.thread_root_id !== null) replies.set(row.thread_root_id, (replies.get(row.thread_root_id) ?? 0) + 1);
    }
    await countReplies(trx, replies, now);
    // 9. The uploads are sent: their message's members may read them from now on.
    await linkUploads(
      trx,
      fresh.flatMap((i) => {
        const result = results[i];
        const uploadIds = (messages[i] as MessageDraft).uploadIds ?? [];
        if (!result || !("row" in result) || uploadIds.length === 0) return [];
        return [{ messageId: result.row.id, conversationId: result.row.conversation_id, uploadIds }];
      }),
    );
  }
  for (const [i, first] of repeatOf) {
    const answer = results[first] as BatchResult;
    results[i] = "row" in answer ? { row: answer.row, duplicate: true, quote: answer.quote } : answer;
  }
  return results as BatchResult[];
}

function mentionCandidates(m: MessageDraft): MentionCandidates {
  return { conversationId: m.conversationId, senderId: m.senderId, ids: m.mentionIds ?? [], names: m.mentionNames ?? [] };
}

/** Senders per lookup query: keeps the OR list short enough for every parser (SQLite's depth limit is 1,000). */
const SENDERS_PER_LOOKUP = 200;

/**
 * The pairs grouped by sender, at most SENDERS_PER_LOOKUP senders per group: each group is one
 * query whose WHERE is, per sender, `sender_id = ? AND client_id IN (…)`, so the unique index
 * answers and no sender x client_id cross product is read.
 */
function lookupChunks(keyed: readonly { senderId: number; clientId: string | null }[]): [number, Set<string>][][] {
  const bySender = new Map<number, Set<string>>();
  for (const m of keyed) {
    const ids = bySender.get(m.senderId) ?? new Set<string>();
    ids.add(m.clientId as string);
    bySender.set(m.senderId, ids);
  }
  const senders = [...bySender];
  const chunks: [number, Set<string>][][] = [];
  for (let start = 0; start < senders.length; start += SENDERS_PER_LOOKUP) {
    chunks.push(senders.slice(start, start + SENDERS_PER_LOOKUP));
  }
  return chunks;
}

/** Stored messages for exactly these (sender, client_id) pairs. */
async function findByClientIds(
  trx: Kysely<Database>,
  keyed: { senderId: number; clientId: string | null }[],
): Promise<MessageRow[]> {
  const rows: MessageRow[] = [];
  for (const chunk of lookupChunks(keyed)) {
    rows.push(
      ...(await trx
        .selectFrom("messages")
        .selectAll()
        .where((eb) =>
          eb.or(chunk.map(([sender, ids]) => eb.and([eb("sender_id", "=", sender), eb("client_id", "in", [...ids])]))),
        )
        .execute()),
    );
  }
  return rows;
}

/**
 * Which of these (sender, client_id) pairs are stored already, as idemKey keys: the
 * before-send hook's "a repeated client_id is not asked again", for many sends in one query.
 */
export async function storedClientIds(
  db: Kysely<Database>,
  pairs: readonly { senderId: number; clientId: string }[],
): Promise<Set<string>> {
  const found = new Set<string>();
  for (const chunk of lookupChunks(pairs)) {
    const rows = await db
      .selectFrom("messages")
      .select(["sender_id", "client_id"])
      .where((eb) => eb.or(chunk.map(([sender, ids]) => eb.and([eb("sender_id", "=", sender), eb("client_id", "in", [...ids])]))))
      .execute();
    for (const r of rows) if (r.client_id !== null) found.add(idemKey(r.sender_id, r.client_id));
  }
  return found;
}

type RowToInsert = Omit<MessageRow, "id" | "edited_at" | "deleted_at" | "link_previews" | "reply_count" | "last_reply_at">;

/** Inserts rows and returns their ids keyed "conversation:seq". */
async function insertRows(
  trx: Kysely<Database>,
  adapter: Pick<DialectAdapter, "supportsReturning">,
  rows: RowToInsert[],
): Promise<Map<string, number>> {
  const idOf = new Map<string, number>();
  for (let start = 0; start < rows.length; start += INSERT_CHUNK) {
    const chunk = rows.slice(start, start + INSERT_CHUNK);
    if (adapter.supportsReturning) {
      const inserted = await trx.insertInto("messages").values(chunk).returning(["id", "conversation_id", "seq"]).execute();
      for (const r of inserted) idOf.set(`${r.conversation_id}:${r.seq}`, r.id);
    } else {
      await trx.insertInto("messages").values(chunk).execute();
    }
  }
  if (!adapter.supportsReturning) {
    // MySQL has no RETURNING, and auto-increment ids of a multi-row insert are only
    // guaranteed consecutive in some lock modes: read them back by (conversation, seq),
    // which our row locks make exact.
    const ranges = new Map<number, [number, number]>();
    for (const r of rows) {
      const range = ranges.get(r.conversation_id);
      if (range) range[1] = r.seq;
      else ranges.set(r.conversation_id, [r.seq, r.seq]);
    }
    const inserted = await trx
      .selectFrom("messages")
      .select(["id", "conversation_id", "seq"])
      .where((eb) =>
        eb.or(
          [...ranges].map(([c, [from, to]]) =>
            eb.and([eb("conversation_id", "=", c), eb("seq", ">=", from), eb("seq", "<=", to)]),
          ),
        ),
      )
      .execute();
    for (const r of inserted) idOf.set(`${r.conversation_id}:${r.seq}`, r.id);
  }
  return idOf;
}
