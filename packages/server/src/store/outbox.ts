import type { ReplyTo, WebhookEventType } from "@chatapp/protocol";
import { type Kysely, sql, type Transaction } from "kysely";
import { iso } from "../lib/time.js";
import type { Database, MessageRow } from "./schema.js";

/**
 * The webhook outbox (integrations contract §2): events are appended inside the transaction
 * of the change they report, so an event exists exactly when its change was committed. The
 * delivery worker (webhooks/) fans them out to endpoints and sends them.
 */
export interface OutboxEvent {
  type: WebhookEventType;
  /** Events of one conversation reach an endpoint in order; null: independent of every other. */
  conversationId: number | null;
  /** The body's `data`, a snapshot taken now. */
  data: unknown;
}

/** Rows per INSERT: stays under every driver's parameter limit (4 per row). */
const APPEND_CHUNK = 500;

/** What the event sinks want, read in the change's transaction: see readSinks. */
export interface Sinks {
  /** The event types at least one endpoint wants ("all" when one wants every type). */
  wanted: "all" | ReadonlySet<string>;
  /** Whether any Web Push subscription exists (notifications may have somewhere to go). */
  anySubscription: boolean;
}

/** Whether an endpoint wants events of `type`. */
export function wants(sinks: Pick<Sinks, "wanted">, type: WebhookEventType): boolean {
  return sinks.wanted === "all" || sinks.wanted.has(type);
}

/**
 * Appends events in the caller's open transaction: one multi-row INSERT per 500 events, so a
 * group-commit batch pays one statement however many messages it holds. `at` is when they
 * happened (the body's `timestamp`; a new message's is its own timestamp).
 *
 * Only events some endpoint wants are written: the endpoints (a small table) are read in the
 * same transaction, so an endpoint whose creation was answered before this change began is
 * seen, and with no endpoint (or none wanting these types) the cost is that one read. A caller
 * that read the sinks already in this transaction passes them.
 */
export async function appendEvents(
  trx: Transaction<Database> | Kysely<Database>,
  events: readonly OutboxEvent[],
  at: number = Date.now(),
  sinks?: Pick<Sinks, "wanted">,
): Promise<void> {
  if (events.length === 0) return;
  const { wanted } = sinks ?? (await readSinks(trx));
  const kept = wanted === "all" ? events : events.filter((e) => wanted.has(e.type));
  if (kept.length === 0) return;
  const rows = kept.map((e) => ({
    type: e.type,
    conversation_id: e.conversationId,
    data: JSON.stringify(e.data),
    created_at: at,
  }));
  for (let start = 0; start < rows.length; start += APPEND_CHUNK) {
    await trx
      .insertInto("webhook_events")
      .values(rows.slice(start, start + APPEND_CHUNK))
      .execute();
  }
}

/**
 * The endpoints' wanted types and whether any push subscription exists, in ONE statement:
 * the message writer asks both per batch (events, and whether notification jobs are worth
 * writing), and a second round trip would be paid by every batch even with no push at all.
 * Read in the change's transaction, so a subscription or endpoint whose creation was answered
 * before the change began is seen (no race with the gate). The subscription side is one
 * index probe (LIMIT 1), the endpoints a small table.
 */
export async function readSinks(trx: Transaction<Database> | Kysely<Database>): Promise<Sinks> {
  const { rows } = await sql<{ events: string | null; push: number | string }>`
    select events, 0 as push from webhook_endpoints
    union all
    select null, 1 from (select 1 as one from push_subscriptions limit 1) any_subscription`.execute(trx);
  const types = new Set<string>();
  let all = false;
  let anySubscription = false;
  for (const r of rows) {
    if (Number(r.push) === 1) anySubscription = true;
    else if (r.events === null) all = true;
    else for (const type of JSON.parse(r.events) as string[]) types.add(type);
  }
  return { wanted: all ? "all" : types, anySubscription };
}

type MessageSnapshotRow = Pick<
  MessageRow,
  | "id"
  | "conversation_id"
  | "seq"
  | "sender_id"
  | "client_id"
  | "content"
  | "created_at"
  | "kind"
  | "system_event"
  | "attachments"
  | "mentions"
  | "thread_root_id"
> &
  Partial<Pick<MessageRow, "edited_at">>;

/**
 * A message as history shows it (without the reader-dependent `status`): `kind` always,
 * `receiver_id` in direct conversations, `client_id` when given, `system` for system messages,
 * `edited_at` once edited; attachments, mentions, quote and thread when it has them.
 */
export function messageData(row: MessageSnapshotRow, receiverId: number | undefined, replyTo?: ReplyTo): Record<string, unknown> {
  const data: Record<string, unknown> = {
    id: row.id,
    conversation_id: row.conversation_id,
    seq: row.seq,
    sender_id: row.sender_id,
    content: row.content,
    timestamp: iso(row.created_at),
    kind: row.kind,
  };
  if (receiverId !== undefined) data.receiver_id = receiverId;
  if (row.client_id !== null) data.client_id = row.client_id;
  if (row.system_event !== null) data.system = JSON.parse(row.system_event);
  if (row.edited_at) data.edited_at = iso(row.edited_at);
  if (row.attachments !== null) data.attachments = JSON.parse(row.attachments);
  if (row.mentions !== null) data.mentions = JSON.parse(row.mentions);
  if (replyTo) data.reply_to = replyTo;
  if (row.thread_root_id !== null) data.thread_root_id = row.thread_root_id;
  return data;
}

/** The other member of a direct conversation, from its "a:b" key; undefined for groups. */
export function receiverFromDirectKey(directKey: string | null, senderId: number): number | undefined {
  if (directKey === null) return undefined;
  const [a, b] = directKey.split(":").map(Number) as [number, number];
  return a === senderId ? b : a;
}

/** A user as the user API shows it: the `user.created` event's data. */
export function userData(user: {
  id: number;
  username: string | null;
  display_name: string | null;
  bot?: boolean;
}): Record<string, unknown> {
  return { id: user.id, username: user.username, display_name: user.display_name, bot: user.bot === true };
}
