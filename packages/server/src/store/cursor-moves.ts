import { type Kysely, sql } from "kysely";
import type { DialectName } from "./dialect.js";
import type { Database } from "./schema.js";

export interface CursorMove {
  conversationId: number;
  userId: number;
  delivered: number;
  read: number;
}

export interface CursorRow {
  conversation_id: number;
  user_id: number;
  delivered_seq: number;
  read_seq: number;
}

/** Moves per statement: 4 parameters each stays well under every driver's limit. */
const CHUNK = 500;

/**
 * Moves many members' cursors forward (never back) with one statement per chunk, each a
 * join against the list of moves, instead of one UPDATE per member: a receipt batch is a
 * handful of statements whatever its size. Returns the rows that moved, as stored after.
 * The database's own syntax for an update joined to a list differs in each dialect.
 */
export async function advanceCursors(db: Kysely<Database>, dialect: DialectName, moves: CursorMove[]): Promise<CursorRow[]> {
  // Reading up to a message means it was delivered too.
  const normalized = moves.map((m) => ({ ...m, delivered: Math.max(m.delivered, m.read) }));
  const rows: CursorRow[] = [];
  for (let start = 0; start < normalized.length; start += CHUNK) {
    const chunk = normalized.slice(start, start + CHUNK);
    if (dialect === "mysql") rows.push(...(await advanceMysql(db, chunk)));
    else rows.push(...(await advanceReturning(db, dialect, chunk)));
  }
  return rows;
}

/** SQLite (3.33+) and PostgreSQL: UPDATE … FROM (VALUES …) … RETURNING, one statement. */
async function advanceReturning(db: Kysely<Database>, dialect: DialectName, chunk: CursorMove[]): Promise<CursorRow[]> {
  const pg = dialect === "postgres";
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

/**
 * MySQL/MariaDB: no RETURNING on UPDATE. The rows are locked and read first, so which of
 * them move (and to where) is known exactly; then one UPDATE joined to the list moves them.
 */
async function advanceMysql(db: Kysely<Database>, chunk: CursorMove[]): Promise<CursorRow[]> {
  return db.transaction().execute(async (trx) => {
    const current = await trx
      .selectFrom("members")
      .select(["conversation_id", "user_id", "delivered_seq", "read_seq"])
      .where((eb) =>
        eb.or(chunk.map((m) => eb.and([eb("conversation_id", "=", m.conversationId), eb("user_id", "=", m.userId)]))),
      )
      .forUpdate()
      .execute();
    const wanted = new Map(chunk.map((m) => [`${m.conversationId}:${m.userId}`, m]));
    const moved: CursorRow[] = [];
    for (const row of current) {
      const m = wanted.get(`${row.conversation_id}:${row.user_id}`);
      if (!m || (row.delivered_seq >= m.delivered && row.read_seq >= m.read)) continue;
      moved.push({
        conversation_id: row.conversation_id,
        user_id: row.user_id,
        delivered_seq: Math.max(row.delivered_seq, m.delivered),
        read_seq: Math.max(row.read_seq, m.read),
      });
    }
    if (moved.length === 0) return [];
    const list = sql.join(
      moved.map((m, i) =>
        i === 0
          ? sql`select ${m.conversation_id} as c, ${m.user_id} as u, ${m.delivered_seq} as d, ${m.read_seq} as r`
          : sql`select ${m.conversation_id}, ${m.user_id}, ${m.delivered_seq}, ${m.read_seq}`,
      ),
      sql` union all `,
    );
    await sql`
      update members m join (${list}) v on m.conversation_id = v.c and m.user_id = v.u
      set m.delivered_seq = v.d, m.read_seq = v.r`.execute(trx);
    return moved;
  });
}
