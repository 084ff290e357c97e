import { type Kysely, sql, type Transaction } from "kysely";
import type { Store } from "./database.js";
import type { Database } from "./schema.js";

/** One push to queue: its plaintext payload for one subscription, about one conversation. */
export interface QueuedPush {
  subscriptionId: number;
  conversationId: number;
  /** The plaintext JSON (a PushPayload), at most PUSH_PAYLOAD_MAX_BYTES. */
  payload: string;
}

/** A push claimed by this node, with the subscription it goes to. */
export interface ClaimedPush {
  id: number;
  subscriptionId: number;
  conversationId: number;
  payload: string;
  /** Failed attempts so far. */
  attempts: number;
  /** Which payload this is: a newer notification for the same row counts it up. */
  revision: number;
  /** When it was queued (or last replaced by a newer notification). */
  createdAt: number;
  endpoint: string;
  p256dh: string;
  auth: string;
}

/** How one attempt ended: `retryAt` for a failure to try again, undefined for sent or dropped. */
export interface Settlement {
  push: ClaimedPush;
  token: string;
  retryAt?: number;
}

/** Pushes settled per statement (3 parameters each). */
const SETTLE_CHUNK = 300;

/** Rows per INSERT: stays under every driver's parameter limit (5 per row). */
const QUEUE_CHUNK = 400;

/**
 * The push_deliveries table (migration 017): pushes still to send, one per (subscription,
 * conversation). Queuing one where another waits unsent replaces it (the newer notification
 * names the latest message: collapsing), and makes it due now with its attempts reset.
 *
 * A push being sent while a newer one replaces its payload is not lost: the sender settles
 * its attempt only if the row still holds the payload it sent (`settle`); otherwise it just
 * lets go of the row, and the newer payload goes next.
 */
export class PushDeliveriesRepo {
  constructor(private readonly store: Store) {}

  /** Queues pushes in the caller's transaction (or alone), a chunk per statement. */
  async queue(trx: Transaction<Database> | Kysely<Database>, pushes: readonly QueuedPush[], now: number): Promise<void> {
    const { adapter } = this.store;
    for (let start = 0; start < pushes.length; start += QUEUE_CHUNK) {
      const rows = pushes.slice(start, start + QUEUE_CHUNK).map((p) => ({
        subscription_id: p.subscriptionId,
        conversation_id: p.conversationId,
        payload: p.payload,
        next_at: now,
        created_at: now,
      }));
      const insert = trx.insertInto("push_deliveries").values(rows);
      await adapter
        .upsert(insert, ["subscription_id", "conversation_id"], {
          payload: adapter.excluded("payload"),
          next_at: adapter.excluded("next_at"),
          created_at: adapter.excluded("created_at"),
          attempts: 0,
          // Qualified: PostgreSQL would find a bare column ambiguous beside `excluded`.
          revision: sql`push_deliveries.revision + 1`,
        })
        .execute();
    }
  }

  /** Up to `limit` pushes due now and not held by a live lease, soonest due first. */
  async due(limit: number, now: number): Promise<number[]> {
    const rows = await this.store.db
      .selectFrom("push_deliveries")
      .select("id")
      .where("next_at", "<=", now)
      .where("lease_until", "<=", now)
      .orderBy("next_at")
      .orderBy("id")
      .limit(limit)
      .execute();
    return rows.map((r) => Number(r.id));
  }

  /**
   * Claims those of `ids` no other node claimed meanwhile (compare-and-set on the lease) until
   * `leaseUntil`, under the unique `token`, and answers them with their subscriptions. A claimed
   * push whose subscription is gone (removed while it was being queued) is deleted.
   */
  async claim(ids: readonly number[], token: string, now: number, leaseUntil: number): Promise<ClaimedPush[]> {
    if (ids.length === 0) return [];
    const { db } = this.store;
    await db
      .updateTable("push_deliveries")
      .set({ lease_until: leaseUntil, lease_owner: token })
      .where("id", "in", [...ids])
      .where("lease_until", "<=", now)
      .where("next_at", "<=", now)
      .execute();
    const rows = await db
      .selectFrom("push_deliveries as d")
      .leftJoin("push_subscriptions as s", "s.id", "d.subscription_id")
      .select([
        "d.id",
        "d.subscription_id",
        "d.conversation_id",
        "d.payload",
        "d.attempts",
        "d.revision",
        "d.created_at",
        "s.endpoint",
        "s.p256dh",
        "s.auth",
      ])
      // By primary key first: lease_owner has no index, and the queue may hold millions.
      .where("d.id", "in", [...ids])
      .where("d.lease_owner", "=", token)
      .orderBy("d.id")
      .execute();
    const claimed: ClaimedPush[] = [];
    const orphans: number[] = [];
    for (const r of rows) {
      if (r.endpoint === null || r.p256dh === null || r.auth === null) {
        orphans.push(Number(r.id));
        continue;
      }
      claimed.push({
        id: Number(r.id),
        subscriptionId: Number(r.subscription_id),
        conversationId: Number(r.conversation_id),
        payload: r.payload,
        attempts: Number(r.attempts),
        revision: Number(r.revision),
        createdAt: Number(r.created_at),
        endpoint: r.endpoint,
        p256dh: r.p256dh,
        auth: r.auth,
      });
    }
    if (orphans.length > 0) await db.deleteFrom("push_deliveries").where("id", "in", orphans).execute();
    return claimed;
  }

  /**
   * Settles attempts, a batch in one transaction: each sent or dropped push (`retryAt`
   * undefined) is deleted, each failed one is counted and due again at `retryAt` — if its
   * claim still holds the row at the revision that was tried. A row whose payload a newer
   * notification replaced meanwhile is released instead, due at once, so the newer payload
   * goes out. The deletions are one statement per chunk, the common case under load.
   */
  async settle(settlements: readonly Settlement[]): Promise<void> {
    if (settlements.length === 0) return;
    const done = settlements.filter((s) => s.retryAt === undefined);
    const failed = settlements.filter((s) => s.retryAt !== undefined);
    await this.store.db.transaction().execute(async (trx) => {
      // Rows these statements did not touch were replaced meanwhile (and are still held).
      let settled = 0;
      for (let start = 0; start < done.length; start += SETTLE_CHUNK) {
        const chunk = done.slice(start, start + SETTLE_CHUNK);
        const deleted = await trx
          .deleteFrom("push_deliveries")
          .where((eb) =>
            eb.or(
              chunk.map(({ push, token }) =>
                eb.and([eb("id", "=", push.id), eb("revision", "=", push.revision), eb("lease_owner", "=", token)]),
              ),
            ),
          )
          .executeTakeFirst();
        settled += Number(deleted.numDeletedRows);
      }
      for (const { push, token, retryAt } of failed) {
        const updated = await trx
          .updateTable("push_deliveries")
          .set({ attempts: sql`attempts + 1`, next_at: retryAt as number, lease_until: 0, lease_owner: null })
          .where("id", "=", push.id)
          .where("revision", "=", push.revision)
          .where("lease_owner", "=", token)
          .executeTakeFirst();
        settled += Number(updated.numUpdatedRows);
      }
      // Whatever is still held by these claims was replaced meanwhile: let it go. Under load
      // nothing usually is, and the statement is skipped.
      if (settled === settlements.length) return;
      for (let start = 0; start < settlements.length; start += SETTLE_CHUNK) {
        const chunk = settlements.slice(start, start + SETTLE_CHUNK);
        await trx
          .updateTable("push_deliveries")
          .set({ lease_until: 0, lease_owner: null })
          .where(
            "id",
            "in",
            chunk.map((s) => s.push.id),
          )
          .where("lease_owner", "in", [...new Set(chunk.map((s) => s.token))])
          .execute();
      }
    });
  }

  /** Lets go of a claim without settling it. */
  async release(id: number, token: string): Promise<void> {
    await this.store.db
      .updateTable("push_deliveries")
      .set({ lease_until: 0, lease_owner: null })
      .where("id", "=", id)
      .where("lease_owner", "=", token)
      .execute();
  }

  /** Pushes waiting (claimed ones included) and the oldest one's queue time, for the metrics. */
  async pending(): Promise<{ count: number; oldest: number | null }> {
    const row = await this.store.db
      .selectFrom("push_deliveries")
      .select((eb) => [eb.fn.countAll<number | string>().as("count"), eb.fn.min<number | null>("created_at").as("oldest")])
      .executeTakeFirstOrThrow();
    return { count: Number(row.count), oldest: row.oldest === null ? null : Number(row.oldest) };
  }
}
