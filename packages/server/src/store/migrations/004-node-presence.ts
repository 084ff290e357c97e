import { type CreateTableBuilder, type Kysely, type Migration, sql } from "kysely";
import type { DialectName } from "../dialects/index.js";

/**
 * Presence across nodes. A user is online while some node holds a connection of theirs:
 * `node_users` has a row per (node, user) with local connections, and `nodes` the
 * heartbeat of each running node, so the others can tell a dead node's users apart and mark
 * them offline. Statuses left "online" by an earlier version, which had no such rows, are
 * reset: nothing would ever take them offline.
 */
export function nodePresenceMigration(dialect: DialectName): Migration {
  const finish = <T extends string>(t: CreateTableBuilder<T, any>) =>
    dialect === "mysql" ? t.modifyEnd(sql`engine=InnoDB default charset=utf8mb4 collate=utf8mb4_unicode_ci`) : t;
  return {
    async up(db: Kysely<any>) {
      await finish(
        db.schema
          .createTable("nodes")
          .addColumn("id", "varchar(64)", (c) => c.primaryKey().notNull())
          .addColumn("started_at", "bigint", (c) => c.notNull())
          .addColumn("heartbeat_at", "bigint", (c) => c.notNull()),
      ).execute();
      await finish(
        db.schema
          .createTable("node_users")
          .addColumn("node_id", "varchar(64)", (c) => c.notNull())
          .addColumn("user_id", "bigint", (c) => c.notNull())
          .addPrimaryKeyConstraint("node_users_pk", ["node_id", "user_id"]),
      ).execute();
      await db.schema.createIndex("node_users_user_idx").on("node_users").column("user_id").execute();
      await db.updateTable("user_status").set({ status: "offline" }).where("status", "=", "online").execute();
    },
    async down(db: Kysely<any>) {
      await db.schema.dropTable("node_users").execute();
      await db.schema.dropTable("nodes").execute();
    },
  };
}
