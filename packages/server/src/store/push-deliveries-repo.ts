import type { Kysely, Transaction } from "kysely";
import type { Store } from "./database.js";
import type { Database } from "./schema.js";

/** One push to queue: its plaintext payload for one subscription, about one conversation. */
export interface QueuedPush {
  subscriptionId: number;
  conversationId: number;
  /** The plaintext JSON (a PushPayload), at most PUSH_PAYLOAD_MAX_BYTES. */
  payload: string;
}

/** Rows per INSERT: stays under every driver's parameter limit (5 per row). */
const QUEUE_CHUNK = 400;

/**
 * The push_deliveries table (migration 017): pushes still to send, one per (subscription,
 * conversation). Queuing one where another waits unsent replaces it (the newer notification
 * names the latest message: collapsing), and makes it due now with its attempts reset.
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
        })
        .execute();
    }
  }
}
