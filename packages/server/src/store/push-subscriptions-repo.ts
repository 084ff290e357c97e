import { createHash } from "node:crypto";
import type { Kysely, Transaction } from "kysely";
import type { Store } from "./database.js";
import type { Database } from "./schema.js";

/** Ids per IN list: stays under every driver's parameter limit. */
const LOOKUP_CHUNK = 1000;

/** A subscription as stored (ids and times as numbers on every dialect). */
export interface StoredSubscription {
  id: number;
  userId: number;
  endpoint: string;
  p256dh: string;
  auth: string;
  createdAt: number;
}

/** What a browser gave: its push service endpoint and its keys. */
export interface SubscriptionInput {
  userId: number;
  endpoint: string;
  p256dh: string;
  auth: string;
}

/** The unique key of an endpoint: SHA-256 hex (endpoints may be longer than MySQL indexes). */
export const endpointHash = (endpoint: string): string => createHash("sha256").update(endpoint).digest("hex");

/** The push_subscriptions table (migration 017): browsers' Web Push subscriptions, per user. */
export class PushSubscriptionsRepo {
  constructor(private readonly store: Store) {}

  /** The subscription ids of each of `userIds` that has any (a chunk of users per query). */
  async idsByUser(userIds: readonly number[]): Promise<Map<number, number[]>> {
    const byUser = new Map<number, number[]>();
    const unique = [...new Set(userIds)];
    for (let start = 0; start < unique.length; start += LOOKUP_CHUNK) {
      const rows = await this.store.db
        .selectFrom("push_subscriptions")
        .select(["id", "user_id"])
        .where("user_id", "in", unique.slice(start, start + LOOKUP_CHUNK))
        .orderBy("id")
        .execute();
      for (const r of rows) {
        const userId = Number(r.user_id);
        const list = byUser.get(userId);
        if (list) list.push(Number(r.id));
        else byUser.set(userId, [Number(r.id)]);
      }
    }
    return byUser;
  }

  /** A user's subscriptions, oldest first. */
  async listByUser(userId: number): Promise<StoredSubscription[]> {
    const rows = await this.store.db
      .selectFrom("push_subscriptions")
      .selectAll()
      .where("user_id", "=", userId)
      .orderBy("id")
      .execute();
    return rows.map(toStored);
  }

  /** Whether `endpoint` is stored (for anyone). */
  async hasEndpoint(endpoint: string): Promise<boolean> {
    const row = await this.store.db
      .selectFrom("push_subscriptions")
      .select("id")
      .where("endpoint_hash", "=", endpointHash(endpoint))
      .executeTakeFirst();
    return row !== undefined;
  }

  /**
   * Stores a subscription: a new endpoint is inserted (`created`); a known one gets the new
   * keys and owner, keeping its id and created_at. When the owner changes, pushes still queued
   * for the previous owner are removed with it: they carry that user's messages, and the
   * browser now belongs to someone else.
   */
  async save(input: SubscriptionInput, now: number): Promise<{ subscription: StoredSubscription; created: boolean }> {
    const hash = endpointHash(input.endpoint);
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.store.db.transaction().execute(async (trx) => {
          const existing = await trx
            .selectFrom("push_subscriptions")
            .selectAll()
            .where("endpoint_hash", "=", hash)
            .executeTakeFirst();
          if (existing) {
            await trx
              .updateTable("push_subscriptions")
              .set({ user_id: input.userId, p256dh: input.p256dh, auth: input.auth })
              .where("id", "=", existing.id)
              .execute();
            if (Number(existing.user_id) !== input.userId) {
              await trx.deleteFrom("push_deliveries").where("subscription_id", "=", existing.id).execute();
            }
            return {
              subscription: { ...toStored(existing), userId: input.userId, p256dh: input.p256dh, auth: input.auth },
              created: false,
            };
          }
          const values = {
            user_id: input.userId,
            endpoint: input.endpoint,
            endpoint_hash: hash,
            p256dh: input.p256dh,
            auth: input.auth,
            created_at: now,
          };
          const insert = trx.insertInto("push_subscriptions").values(values);
          const id = this.store.adapter.supportsReturning
            ? (await insert.returning("id").executeTakeFirstOrThrow()).id
            : Number((await insert.executeTakeFirstOrThrow()).insertId);
          return { subscription: { id: Number(id), ...input, createdAt: now }, created: true };
        });
      } catch (err) {
        // The same endpoint saved at the same moment by another request: the next round finds
        // its row and replaces the keys and owner as a repeat does.
        if (attempt === 0 && this.store.adapter.isUniqueViolation(err)) continue;
        throw err;
      }
    }
  }

  /** Removes the user's oldest subscriptions past `keep`, with their queued pushes; answers how many went. */
  async trimOldest(userId: number, keep: number): Promise<number> {
    const rows = await this.store.db
      .selectFrom("push_subscriptions")
      .select("id")
      .where("user_id", "=", userId)
      .orderBy("id", "desc")
      .execute();
    const excess = rows.slice(keep).map((r) => Number(r.id));
    await this.remove(excess);
    return excess.length;
  }

  /** Removes one of the user's subscriptions and its queued pushes; false when the user has no such one. */
  async removeOwn(userId: number, id: number): Promise<boolean> {
    return this.store.db.transaction().execute(async (trx) => {
      const result = await trx
        .deleteFrom("push_subscriptions")
        .where("id", "=", id)
        .where("user_id", "=", userId)
        .executeTakeFirst();
      if (Number(result.numDeletedRows) === 0) return false;
      await trx.deleteFrom("push_deliveries").where("subscription_id", "=", id).execute();
      return true;
    });
  }

  /** Removes subscriptions and every push queued for them, at once (a 404/410 from the push service). */
  async remove(ids: readonly number[]): Promise<void> {
    if (ids.length === 0) return;
    await this.store.db.transaction().execute(async (trx) => {
      for (let start = 0; start < ids.length; start += LOOKUP_CHUNK) {
        await removeIn(trx, ids.slice(start, start + LOOKUP_CHUNK));
      }
    });
  }

  /** Erasure: every subscription of the user, and their queued pushes. */
  async removeAllOf(userId: number): Promise<void> {
    const rows = await this.store.db.selectFrom("push_subscriptions").select("id").where("user_id", "=", userId).execute();
    await this.remove(rows.map((r) => Number(r.id)));
  }
}

async function removeIn(trx: Transaction<Database> | Kysely<Database>, ids: number[]): Promise<void> {
  await trx.deleteFrom("push_deliveries").where("subscription_id", "in", ids).execute();
  await trx.deleteFrom("push_subscriptions").where("id", "in", ids).execute();
}

function toStored(row: {
  id: number;
  user_id: number;
  endpoint: string;
  p256dh: string;
  auth: string;
  created_at: number;
}): StoredSubscription {
  return {
    id: Number(row.id),
    userId: Number(row.user_id),
    endpoint: row.endpoint,
    p256dh: row.p256dh,
    auth: row.auth,
    createdAt: Number(row.created_at),
  };
}
