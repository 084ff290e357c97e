import { type Kysely, type Migration, sql } from "kysely";
import type { DialectName } from "../dialects/index.js";
import { tableSpelling } from "./table-spelling.js";

/**
 * Webhooks (integrations contract §2): a durable outbox and its deliveries.
 *
 * - `webhook_events`: one row per event, inserted in the transaction of the change it
 *   reports (so a rolled-back change has none, and a committed one cannot be lost). `data`
 *   is the JSON snapshot sent as the body's `data`. `fanned` turns 1 once the event has its
 *   delivery rows; a fanned event with no delivery left is pruned.
 * - `webhook_endpoints`: where events go. `name` is 'env' for WEBHOOK_URL's endpoint (its
 *   secret stays in the configuration: `secret` is NULL) and NULL for endpoints made through
 *   the admin API. `events` is a JSON array of types, NULL for every type.
 * - `webhook_deliveries`: one row per (event, endpoint) still to deliver. `order_key` is the
 *   event's conversation (NULL: no order with any other event); the head of each (endpoint,
 *   order_key) is the lowest event_id. A node claims a row by moving `lease_until` forward
 *   with `lease_owner` its claim token; a node that dies leaves a lease that simply expires.
 * - `webhook_fanout`: one row, locked by the fan-out transaction so one node at a time turns
 *   events into deliveries, in event order.
 */
export function webhooksMigration(dialect: DialectName): Migration {
  const spell = tableSpelling(dialect);
  // A message snapshot may pass MySQL TEXT's 64 KiB.
  const json = dialect === "mysql" ? sql`mediumtext` : sql`text`;
  return {
    async up(db: Kysely<any>) {
      await spell
        .table(
          db.schema
            .createTable("webhook_events")
            .addColumn("id", spell.idType, spell.id)
            .addColumn("type", "varchar(40)", (c) => c.notNull())
            .addColumn("conversation_id", "bigint")
            .addColumn("data", json, (c) => c.notNull())
            .addColumn("created_at", "bigint", (c) => c.notNull())
            .addColumn("fanned", "integer", (c) => c.notNull().defaultTo(0)),
        )
        .execute();
      await db.schema.createIndex("webhook_events_fanned_idx").on("webhook_events").columns(["fanned", "id"]).execute();
      await spell
        .table(
          db.schema
            .createTable("webhook_endpoints")
            .addColumn("id", spell.idType, spell.id)
            .addColumn("name", "varchar(16)")
            .addColumn("url", "varchar(2048)", (c) => c.notNull())
            .addColumn("events", "text")
            .addColumn("secret", "varchar(200)")
            .addColumn("created_at", "bigint", (c) => c.notNull()),
        )
        .execute();
      await db.schema.createIndex("webhook_endpoints_name_idx").on("webhook_endpoints").columns(["name"]).unique().execute();
      await spell
        .table(
          db.schema
            .createTable("webhook_deliveries")
            .addColumn("id", spell.idType, spell.id)
            .addColumn("event_id", "bigint", (c) => c.notNull())
            .addColumn("endpoint_id", "bigint", (c) => c.notNull())
            .addColumn("order_key", "bigint")
            .addColumn("attempts", "integer", (c) => c.notNull().defaultTo(0))
            .addColumn("next_at", "bigint", (c) => c.notNull())
            .addColumn("lease_until", "bigint", (c) => c.notNull().defaultTo(0))
            .addColumn("lease_owner", "varchar(64)")
            .addColumn("created_at", "bigint", (c) => c.notNull()),
        )
        .execute();
      await db.schema
        .createIndex("webhook_deliveries_event_idx")
        .on("webhook_deliveries")
        .columns(["event_id", "endpoint_id"])
        .unique()
        .execute();
      await db.schema
        .createIndex("webhook_deliveries_order_idx")
        .on("webhook_deliveries")
        .columns(["endpoint_id", "order_key", "event_id"])
        .execute();
      await db.schema
        .createIndex("webhook_deliveries_due_idx")
        .on("webhook_deliveries")
        .columns(["endpoint_id", "next_at"])
        .execute();
      await db.schema.createIndex("webhook_deliveries_lease_idx").on("webhook_deliveries").columns(["lease_owner"]).execute();
      await spell
        .table(
          db.schema
            .createTable("webhook_fanout")
            .addColumn("id", "integer", (c) => c.primaryKey().notNull())
            .addColumn("ran_at", "bigint", (c) => c.notNull().defaultTo(0)),
        )
        .execute();
      await db.insertInto("webhook_fanout").values({ id: 1, ran_at: 0 }).execute();
    },
    async down(db: Kysely<any>) {
      for (const table of ["webhook_fanout", "webhook_deliveries", "webhook_endpoints", "webhook_events"]) {
        await db.schema.dropTable(table).ifExists().execute();
      }
    },
  };
}
