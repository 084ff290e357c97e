import { randomUUID } from "node:crypto";
import type { Kysely, Transaction } from "kysely";
import type { Store } from "./database.js";
import type { Database } from "./schema.js";

/** A stored message as the trigger needs it. */
export interface StoredForJobs {
  conversation_id: number;
  seq: number;
  kind: "user" | "system";
}

/** Rows per INSERT (5 parameters each): stays under every driver's limit. */
const INSERT_CHUNK = 500;

/**
 * The durable trigger (integrations §4): one notification_jobs row per conversation that got
 * user messages in this group-commit transaction, covering (first seq - 1, last seq], due
 * `delayMs` from now so messages arriving meanwhile fold into one notification. Written with
 * the messages, so a notification that is due survives any node's death.
 */
export async function queueNotificationJobs(
  trx: Transaction<Database>,
  rows: readonly StoredForJobs[],
  now: number,
  delayMs: number,
): Promise<void> {
  const ranges = new Map<number, { from: number; to: number }>();
  for (const r of rows) {
    if (r.kind !== "user") continue;
    const range = ranges.get(r.conversation_id);
    if (!range) ranges.set(r.conversation_id, { from: r.seq - 1, to: r.seq });
    else {
      range.from = Math.min(range.from, r.seq - 1);
      range.to = Math.max(range.to, r.seq);
    }
  }
  if (ranges.size === 0) return;
  const values = [...ranges].map(([conversationId, { from, to }]) => ({
    conversation_id: conversationId,
    from_seq: from,
    seq: to,
    due_at: now + delayMs,
    created_at: now,
  }));
  for (let start = 0; start < values.length; start += INSERT_CHUNK) {
    await trx
      .insertInto("notification_jobs")
      .values(values.slice(start, start + INSERT_CHUNK))
      .execute();
  }
}

/** A conversation's due jobs, claimed by one planner: the range of seqs to plan. */
export interface ClaimedJobs {
  conversationId: number;
  /** The lease's owner token (this claim's, unique). */
  token: string;
  /** The lowest `from_seq` of the conversation's jobs: where planning starts when it has no progress yet. */
  fromSeq: number;
  /** The highest seq among them: planning covers messages up to it. */
  toSeq: number;
}

/**
 * The notification_jobs and notification_progress tables (migration 017): which conversations
 * have notifications due, claims by lease, and how far each conversation was planned.
 */
export class NotificationJobsRepo {
  constructor(private readonly store: Store) {}

  /** Up to `limit` conversations with a job that is due and not leased. */
  async dueConversations(now: number, limit: number): Promise<number[]> {
    const rows = await this.store.db
      .selectFrom("notification_jobs")
      .select("conversation_id")
      .where("due_at", "<=", now)
      .where("lease_until", "<=", now)
      .orderBy("due_at")
      .limit(limit)
      .execute();
    return [...new Set(rows.map((r) => Number(r.conversation_id)))];
  }

  /**
   * Claims the conversation's unleased jobs until `now + leaseMs` (a compare-and-set on the
   * lease: of two nodes, each job goes to one), and answers the range they cover, or undefined
   * when another node got them all first. Jobs not due yet are taken too: the first one's
   * delay is the burst's, so messages that came during it make one notification.
   */
  async claim(conversationId: number, now: number, leaseMs: number): Promise<ClaimedJobs | undefined> {
    const { db } = this.store;
    const token = randomUUID();
    await db
      .updateTable("notification_jobs")
      .set({ lease_until: now + leaseMs, lease_owner: token })
      .where("conversation_id", "=", conversationId)
      .where("lease_until", "<=", now)
      .execute();
    const claimed = await db
      .selectFrom("notification_jobs")
      .select((eb) => eb.fn.max("seq").as("seq"))
      .where("conversation_id", "=", conversationId)
      .where("lease_owner", "=", token)
      .executeTakeFirst();
    if (claimed?.seq === null || claimed?.seq === undefined) return undefined;
    // The start is every job's, not only the claimed ones': another node planning an earlier
    // job of a conversation never planned may lose the race to create its progress, and then
    // its messages must be in this plan.
    const start = await db
      .selectFrom("notification_jobs")
      .select((eb) => eb.fn.min("from_seq").as("from_seq"))
      .where("conversation_id", "=", conversationId)
      .executeTakeFirstOrThrow();
    return { conversationId, token, fromSeq: Number(start.from_seq), toSeq: Number(claimed.seq) };
  }

  /** How far the conversation was planned; undefined before its first planning. */
  async progress(conversationId: number): Promise<number | undefined> {
    const row = await this.store.db
      .selectFrom("notification_progress")
      .select("seq")
      .where("conversation_id", "=", conversationId)
      .executeTakeFirst();
    return row === undefined ? undefined : Number(row.seq);
  }

  /**
   * Moves the conversation's progress from `from` (undefined: no row yet) to `to` in the
   * planning transaction: a compare-and-set, so of two planners that read the same progress
   * only one commits (the other's insert or update fails, and it rolls back its plan).
   */
  async advance(trx: Transaction<Database> | Kysely<Database>, conversationId: number, from: number | undefined, to: number) {
    if (from === undefined) {
      // A concurrent first planning inserts the same key: the unique violation rolls this one back.
      await trx.insertInto("notification_progress").values({ conversation_id: conversationId, seq: to }).execute();
      return;
    }
    const result = await trx
      .updateTable("notification_progress")
      .set({ seq: to })
      .where("conversation_id", "=", conversationId)
      .where("seq", "=", from)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) !== 1) throw new PlannedElsewhere(conversationId);
  }

  /** Removes the conversation's jobs that planning up to `to` covered (anyone's: they are done). */
  async finish(trx: Transaction<Database> | Kysely<Database>, conversationId: number, to: number): Promise<void> {
    await trx.deleteFrom("notification_jobs").where("conversation_id", "=", conversationId).where("seq", "<=", to).execute();
  }

  /** Releases a claim whose planning failed, so it is tried again (here or elsewhere) without waiting for the lease. */
  async release(token: string): Promise<void> {
    await this.store.db
      .updateTable("notification_jobs")
      .set({ lease_until: 0, lease_owner: null })
      .where("lease_owner", "=", token)
      .execute();
  }
}

/** Another planner moved the conversation's progress first: this plan is dropped, and tried again from there. */
export class PlannedElsewhere extends Error {
  constructor(conversationId: number) {
    super(`notifications of conversation ${conversationId} were planned by another node meanwhile`);
  }
}
