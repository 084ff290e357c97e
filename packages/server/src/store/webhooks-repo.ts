import { sql } from "kysely";
import type { Store } from "./database.js";
import type { WebhookEndpointRow } from "./schema.js";

/** A delivery claimed by this node: the event and where it goes. */
export interface ClaimedDelivery {
  id: number;
  eventId: number;
  endpointId: number;
  attempts: number;
  type: string;
  data: string;
  createdAt: number;
}

/** Events turned into deliveries per fan-out transaction. */
const FANOUT_BATCH = 500;
/** Delivery rows per INSERT (5 parameters each). */
const INSERT_CHUNK = 500;

/**
 * The webhook tables (migration 015): endpoints, the fan-out of outbox events into one
 * delivery per subscribed endpoint, and the claims, retries and removals of deliveries.
 */
export class WebhooksRepo {
  constructor(private readonly store: Store) {}

  endpoints(): Promise<WebhookEndpointRow[]> {
    return this.store.db.selectFrom("webhook_endpoints").selectAll().orderBy("id").execute();
  }

  async createEndpoint(input: { url: string; events: string[] | null; secret: string }): Promise<WebhookEndpointRow> {
    const { db, adapter } = this.store;
    const values = {
      name: null,
      url: input.url,
      events: input.events === null ? null : JSON.stringify(input.events),
      secret: input.secret,
      created_at: Date.now(),
    };
    const insert = db.insertInto("webhook_endpoints").values(values);
    const id = adapter.supportsReturning
      ? (await insert.returning("id").executeTakeFirstOrThrow()).id
      : Number((await insert.executeTakeFirstOrThrow()).insertId);
    return { id, ...values };
  }

  /** Removes an endpoint made through the API and its pending deliveries; false when there is none. */
  async deleteEndpoint(id: number): Promise<boolean> {
    return this.store.db.transaction().execute(async (trx) => {
      const result = await trx.deleteFrom("webhook_endpoints").where("id", "=", id).where("name", "is", null).executeTakeFirst();
      if (Number(result.numDeletedRows) === 0) return false;
      await trx.deleteFrom("webhook_deliveries").where("endpoint_id", "=", id).execute();
      return true;
    });
  }

  /**
   * Makes the stored WEBHOOK_URL endpoint match the configuration (created at first start
   * with it; removed, with its deliveries, when the variable is gone). Its secret is not stored.
   */
  async syncEnvEndpoint(endpoint: { url: string; events: string[] } | undefined): Promise<void> {
    const { db, adapter } = this.store;
    const current = await db.selectFrom("webhook_endpoints").selectAll().where("name", "=", "env").executeTakeFirst();
    if (!endpoint) {
      if (current) {
        await db.transaction().execute(async (trx) => {
          await trx.deleteFrom("webhook_endpoints").where("id", "=", current.id).execute();
          await trx.deleteFrom("webhook_deliveries").where("endpoint_id", "=", current.id).execute();
        });
      }
      return;
    }
    const events = JSON.stringify(endpoint.events);
    if (current) {
      if (current.url !== endpoint.url || current.events !== events) {
        await db.updateTable("webhook_endpoints").set({ url: endpoint.url, events }).where("id", "=", current.id).execute();
      }
      return;
    }
    // Two nodes starting at once: the unique name lets one insert win.
    const row = { name: "env", url: endpoint.url, events, secret: null, created_at: Date.now() };
    await adapter.insertIgnore(db.insertInto("webhook_endpoints").values(row), ["name"]).execute();
  }

  /** Whether outbox events wait to be fanned out (a cheap index probe before the transaction). */
  async hasUnfanned(): Promise<boolean> {
    const row = await this.store.db.selectFrom("webhook_events").select("id").where("fanned", "=", 0).limit(1).executeTakeFirst();
    return row !== undefined;
  }

  /**
   * Turns up to 500 unfanned events, oldest first, into one delivery per endpoint subscribed
   * when the event was made (its type wanted, created no later than the event); an event no
   * endpoint wants is removed at once. One node at a time (the webhook_fanout row is locked
   * first), so deliveries of one conversation are created in event order. Returns how many
   * events it handled.
   */
  async fanOut(): Promise<number> {
    const { db } = this.store;
    return db.transaction().execute(async (trx) => {
      await trx.updateTable("webhook_fanout").set({ ran_at: Date.now() }).where("id", "=", 1).execute();
      const events = await trx
        .selectFrom("webhook_events")
        .select(["id", "type", "conversation_id", "created_at"])
        .where("fanned", "=", 0)
        .orderBy("id")
        .limit(FANOUT_BATCH)
        .execute();
      if (events.length === 0) return 0;
      const endpoints = (await trx.selectFrom("webhook_endpoints").select(["id", "events", "created_at"]).execute()).map((e) => ({
        id: e.id,
        createdAt: e.created_at,
        types: e.events === null ? null : new Set(JSON.parse(e.events) as string[]),
      }));
      const now = Date.now();
      const deliveries: {
        event_id: number;
        endpoint_id: number;
        order_key: number | null;
        next_at: number;
        created_at: number;
      }[] = [];
      const fanned: number[] = [];
      const unwanted: number[] = [];
      for (const event of events) {
        let wanted = false;
        for (const endpoint of endpoints) {
          if (endpoint.createdAt > event.created_at || (endpoint.types && !endpoint.types.has(event.type))) continue;
          wanted = true;
          deliveries.push({
            event_id: event.id,
            endpoint_id: endpoint.id,
            order_key: event.conversation_id,
            next_at: now,
            created_at: event.created_at,
          });
        }
        (wanted ? fanned : unwanted).push(event.id);
      }
      for (let start = 0; start < deliveries.length; start += INSERT_CHUNK) {
        await trx
          .insertInto("webhook_deliveries")
          .values(deliveries.slice(start, start + INSERT_CHUNK))
          .execute();
      }
      if (fanned.length > 0) await trx.updateTable("webhook_events").set({ fanned: 1 }).where("id", "in", fanned).execute();
      if (unwanted.length > 0) await trx.deleteFrom("webhook_events").where("id", "in", unwanted).execute();
      return events.length;
    });
  }

  /**
   * Up to `limit` deliveries of one endpoint that may be attempted now: due, not claimed by a
   * live lease, and each the head of its conversation (no earlier event of the same
   * conversation still waits for this endpoint). Soonest due first.
   */
  async dueHeads(endpointId: number, limit: number, now: number): Promise<number[]> {
    const rows = await this.store.db
      .selectFrom("webhook_deliveries as d")
      .select("d.id")
      .where("d.endpoint_id", "=", endpointId)
      .where("d.next_at", "<=", now)
      .where("d.lease_until", "<=", now)
      .where(({ not, exists, selectFrom }) =>
        not(
          exists(
            selectFrom("webhook_deliveries as e")
              .select(sql`1`.as("one"))
              .whereRef("e.endpoint_id", "=", "d.endpoint_id")
              .whereRef("e.order_key", "=", "d.order_key")
              .whereRef("e.event_id", "<", "d.event_id"),
          ),
        ),
      )
      .orderBy("d.next_at")
      .orderBy("d.event_id")
      .limit(limit)
      .execute();
    return rows.map((r) => r.id);
  }

  /**
   * Claims those of `ids` no other node has claimed meanwhile (compare-and-set on the lease),
   * until `leaseUntil`, under the unique `token`; answers the claimed ones with their events.
   */
  async claim(ids: number[], token: string, now: number, leaseUntil: number): Promise<ClaimedDelivery[]> {
    if (ids.length === 0) return [];
    const { db } = this.store;
    await db
      .updateTable("webhook_deliveries")
      .set({ lease_until: leaseUntil, lease_owner: token })
      .where("id", "in", ids)
      .where("lease_until", "<=", now)
      .where("next_at", "<=", now)
      .execute();
    const rows = await db
      .selectFrom("webhook_deliveries as d")
      .innerJoin("webhook_events as v", "v.id", "d.event_id")
      .select(["d.id", "d.event_id", "d.endpoint_id", "d.attempts", "v.type", "v.data", "v.created_at"])
      .where("d.lease_owner", "=", token)
      .orderBy("d.event_id")
      .execute();
    return rows.map((r) => ({
      id: r.id,
      eventId: r.event_id,
      endpointId: r.endpoint_id,
      attempts: r.attempts,
      type: r.type,
      data: r.data,
      createdAt: r.created_at,
    }));
  }

  /** Delivered (2xx) or dropped: the row goes, and the next event of its conversation is the head. */
  async remove(id: number): Promise<void> {
    await this.store.db.deleteFrom("webhook_deliveries").where("id", "=", id).execute();
  }

  /** A failed attempt: counted, released, and due again at `nextAt` (if this claim still holds it). */
  async retryLater(id: number, token: string, nextAt: number): Promise<void> {
    await this.store.db
      .updateTable("webhook_deliveries")
      .set({ attempts: sql`attempts + 1`, next_at: nextAt, lease_until: 0, lease_owner: null })
      .where("id", "=", id)
      .where("lease_owner", "=", token)
      .execute();
  }

  /**
   * Removes up to 1,000 events that have been fanned out and have no delivery left (all
   * delivered or dropped); returns how many.
   */
  async pruneDelivered(): Promise<number> {
    const { db } = this.store;
    const rows = await db
      .selectFrom("webhook_events as v")
      .select("v.id")
      .where("v.fanned", "=", 1)
      .where(({ not, exists, selectFrom }) =>
        not(exists(selectFrom("webhook_deliveries as d").select(sql`1`.as("one")).whereRef("d.event_id", "=", "v.id"))),
      )
      .limit(1000)
      .execute();
    if (rows.length === 0) return 0;
    await db
      .deleteFrom("webhook_events")
      .where(
        "id",
        "in",
        rows.map((r) => r.id),
      )
      .execute();
    return rows.length;
  }

  /** Deliveries waiting (claimed ones included) and the oldest one's event time, for the metrics. */
  async pending(): Promise<{ count: number; oldest: number | null }> {
    const row = await this.store.db
      .selectFrom("webhook_deliveries")
      .select((eb) => [eb.fn.countAll<number | string>().as("count"), eb.fn.min<number | null>("created_at").as("oldest")])
      .executeTakeFirstOrThrow();
    return { count: Number(row.count), oldest: row.oldest === null ? null : Number(row.oldest) };
  }
}
