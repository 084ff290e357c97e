import { type Kysely, sql } from "kysely";
import type { Database } from "../schema.js";
import type { CursorMove, CursorRow } from "./adapter.js";

/** What SQLite and PostgreSQL share: ON CONFLICT clauses and the `excluded` row. */
export const excludedRow = (column: string) => sql`excluded.${sql.ref(column)}`;

export const onConflict = {
  insertIgnore: (qb: any, cols: string[]) => qb.onConflict((oc: any) => oc.columns(cols).doNothing()),
  upsert: (qb: any, cols: string[], set: Record<string, unknown>) =>
    qb.onConflict((oc: any) => oc.columns(cols).doUpdateSet(set)),
};

/**
 * SQLite (3.33+) and PostgreSQL: UPDATE … FROM (VALUES …) … RETURNING, one statement.
 * PostgreSQL needs typed values and calls max() greatest().
 */
export async function advanceReturning(db: Kysely<Database>, pg: boolean, chunk: CursorMove[]): Promise<CursorRow[]> {
  const values = sql.join(
    chunk.map((m) =>
      pg
        ? sql`(${m.conversationId}::bigint, ${m.userId}::bigint, ${m.delivered}::bigint, ${m.read}::bigint)`
        : sql`(${m.conversationId}, ${m.userId}, ${m.delivered}, ${m.read})`,
    ),
  );
  const greatest = pg ? sql.raw("greatest") : sql.raw("max");
  const result = await sql<CursorRow>`
    update members set
      delivered_seq = ${greatest}(members.delivered_seq, v.d),
      read_seq = ${greatest}(members.read_seq, v.r)
    from (select column1 as c, column2 as u, column3 as d, column4 as r from (values ${values}) as t) as v
    where members.conversation_id = v.c and members.user_id = v.u
      and (members.delivered_seq < v.d or members.read_seq < v.r)
    returning members.conversation_id, members.user_id, members.delivered_seq, members.read_seq`.execute(db);
  return result.rows;
}
