import { MAX_USER_ID } from "@chatapp/protocol";
import { type CreateTableBuilder, type Kysely, type Migration, sql } from "kysely";
import type { DialectName } from "../dialects/index.js";

/**
 * Where local registrations take their ids from: a one-row counter of their own, which ids
 * provisioned from outside (tokens, direct sends with PROVISION_RECIPIENTS) never move. Before
 * it, a registration took the next id above the highest, so one outside id at the 2^48 bound
 * pushed every later account out of the range tokens may carry.
 *
 * It starts at the highest local account (one with a username) within that range: a database
 * already pushed registers in range again. Accounts registered above the bound stay as they
 * are (they never could log in).
 */
export function localUserIdsMigration(dialect: DialectName): Migration {
  const finish = <T extends string>(t: CreateTableBuilder<T, any>) => (dialect === "mysql" ? t.modifyEnd(sql`engine=InnoDB`) : t);
  return {
    async up(db: Kysely<any>) {
      await finish(
        db.schema
          .createTable("local_user_ids")
          .addColumn("id", "integer", (c) => c.primaryKey().notNull())
          .addColumn("last_id", "bigint", (c) => c.notNull()),
      ).execute();
      const row = await db
        .selectFrom("users")
        .select((eb) => eb.fn.max("id").as("last"))
        .where("username", "is not", null)
        .where("id", "<=", MAX_USER_ID)
        .executeTakeFirst();
      await db
        .insertInto("local_user_ids")
        .values({ id: 1, last_id: Number(row?.last ?? 0) })
        .execute();
    },
    async down(db: Kysely<any>) {
      await db.schema.dropTable("local_user_ids").execute();
    },
  };
}
