import type { Kysely, Migration } from "kysely";
import type { DialectName } from "../dialects/index.js";
import { tableSpelling } from "./table-spelling.js";

/**
 * Notifications for offline users (integrations contract §4).
 *
 * - `server_keys`: named secrets the whole cluster shares, made once (the VAPID pair when not
 *   configured). The first node to insert wins; the others read its row back.
 * - `push_subscriptions`: a browser's Web Push subscription, owned by one user.
 *   `endpoint_hash` (SHA-256 hex of the endpoint) is the unique key: endpoints may be longer
 *   than MySQL can index.
 * - `notification_jobs`: written in the group-commit transaction that stores user messages,
 *   one row per conversation of the batch (its highest seq), so a notification that is due
 *   cannot be lost with a node. `due_at` leaves time for more messages to fold in. A node
 *   claims rows by moving `lease_until` forward with `lease_owner` its token.
 * - `notification_progress`: per conversation, the seq up to which notifications were
 *   planned, so a job covers (progress, seq] and nothing is planned twice.
 * - `push_notified`: per (user, conversation), the latest seq a notification named: reading
 *   up to it sends a "clear" to the user's other devices.
 * - `push_deliveries`: one push still to send to one subscription about one conversation.
 *   The unique (subscription, conversation) key collapses: a newer notification replaces the
 *   payload of one not yet sent, and counts up `revision`, so a sender that was sending the
 *   older payload meanwhile leaves the row for the newer one. Claimed by lease like webhook
 *   deliveries.
 */
export function pushMigration(dialect: DialectName): Migration {
  const spell = tableSpelling(dialect);
  return {
    async up(db: Kysely<any>) {
      await spell
        .table(
          db.schema
            .createTable("server_keys")
            .addColumn("name", "varchar(64)", (c) => c.primaryKey().notNull())
            .addColumn("value", "text", (c) => c.notNull())
            .addColumn("created_at", "bigint", (c) => c.notNull()),
        )
        .execute();
      await spell
        .table(
          db.schema
            .createTable("push_subscriptions")
            .addColumn("id", spell.idType, spell.id)
            .addColumn("user_id", "bigint", (c) => c.notNull())
            .addColumn("endpoint", "text", (c) => c.notNull())
            .addColumn("endpoint_hash", "varchar(64)", (c) => c.notNull())
            .addColumn("p256dh", "varchar(128)", (c) => c.notNull())
            .addColumn("auth", "varchar(64)", (c) => c.notNull())
            .addColumn("created_at", "bigint", (c) => c.notNull()),
        )
        .execute();
      await db.schema
        .createIndex("push_subscriptions_endpoint_idx")
        .on("push_subscriptions")
        .columns(["endpoint_hash"])
        .unique()
        .execute();
      await db.schema.createIndex("push_subscriptions_user_idx").on("push_subscriptions").columns(["user_id", "id"]).execute();
      await spell
        .table(
          db.schema
            .createTable("notification_jobs")
            .addColumn("id", spell.idType, spell.id)
            .addColumn("conversation_id", "bigint", (c) => c.notNull())
            .addColumn("seq", "bigint", (c) => c.notNull())
            .addColumn("due_at", "bigint", (c) => c.notNull())
            .addColumn("lease_until", "bigint", (c) => c.notNull().defaultTo(0))
            .addColumn("lease_owner", "varchar(64)")
            .addColumn("created_at", "bigint", (c) => c.notNull()),
        )
        .execute();
      await db.schema.createIndex("notification_jobs_due_idx").on("notification_jobs").columns(["due_at"]).execute();
      await db.schema
        .createIndex("notification_jobs_conversation_idx")
        .on("notification_jobs")
        .columns(["conversation_id", "seq"])
        .execute();
      await spell
        .table(
          db.schema
            .createTable("notification_progress")
            .addColumn("conversation_id", "bigint", (c) => c.primaryKey().notNull())
            .addColumn("seq", "bigint", (c) => c.notNull()),
        )
        .execute();
      await spell
        .table(
          db.schema
            .createTable("push_notified")
            .addColumn("user_id", "bigint", (c) => c.notNull())
            .addColumn("conversation_id", "bigint", (c) => c.notNull())
            .addColumn("seq", "bigint", (c) => c.notNull())
            .addPrimaryKeyConstraint("push_notified_pk", ["user_id", "conversation_id"]),
        )
        .execute();
      await spell
        .table(
          db.schema
            .createTable("push_deliveries")
            .addColumn("id", spell.idType, spell.id)
            .addColumn("subscription_id", "bigint", (c) => c.notNull())
            .addColumn("conversation_id", "bigint", (c) => c.notNull())
            .addColumn("payload", "text", (c) => c.notNull())
            .addColumn("attempts", "integer", (c) => c.notNull().defaultTo(0))
            .addColumn("revision", "integer", (c) => c.notNull().defaultTo(0))
            .addColumn("next_at", "bigint", (c) => c.notNull())
            .addColumn("lease_until", "bigint", (c) => c.notNull().defaultTo(0))
            .addColumn("lease_owner", "varchar(64)")
            .addColumn("created_at", "bigint", (c) => c.notNull()),
        )
        .execute();
      await db.schema
        .createIndex("push_deliveries_key_idx")
        .on("push_deliveries")
        .columns(["subscription_id", "conversation_id"])
        .unique()
        .execute();
      await db.schema.createIndex("push_deliveries_due_idx").on("push_deliveries").columns(["next_at"]).execute();
    },
    async down(db: Kysely<any>) {
      for (const table of [
        "push_deliveries",
        "push_notified",
        "notification_progress",
        "notification_jobs",
        "push_subscriptions",
        "server_keys",
      ]) {
        await db.schema.dropTable(table).ifExists().execute();
      }
    },
  };
}
