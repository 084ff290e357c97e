import { CompiledQuery, Kysely, MysqlDialect, sql } from "kysely";
import { createPool } from "mysql2";
import type { Database, MessageRow } from "../schema.js";
import { type CursorMove, type CursorRow, type DialectAdapter, errorCode } from "./adapter.js";

/**
 * InnoDB's default stopwords and minimum token size (3): such words are not in a FULLTEXT
 * index, so requiring them would match nothing; they are left out of MySQL queries.
 */
const INNODB_STOPWORDS = new Set(
  "a about an are as at be by com de en for from how i in is it la of on or that the this to was what when where who will with und www".split(
    " ",
  ),
);
const innodbIndexes = (word: string) => [...word].length >= 3 && !INNODB_STOPWORDS.has(word);

/** MySQL and MariaDB through mysql2: no RETURNING, INSERT IGNORE, InnoDB FULLTEXT search. */
export const mysqlAdapter: DialectAdapter<"mysql"> = {
  name: "mysql",
  open(config, poolSize) {
    const pool = createPool({
      host: config.host,
      port: config.port,
      user: config.user,
      password: config.password,
      database: config.database,
      connectionLimit: poolSize,
      charset: "utf8mb4",
      timezone: "Z",
      supportBigNumbers: true,
      bigNumberStrings: false,
      connectTimeout: 5000,
      enableKeepAlive: true,
    });
    return new Kysely<Database>({
      dialect: new MysqlDialect({
        pool,
        // READ COMMITTED: no gap locks. Under REPEATABLE READ, message transactions of
        // different nodes, each moving its conversations to the end of the activity index,
        // waited on each other's locks there; nothing here relies on repeatable reads (seqs
        // are reserved under row locks, repeats are caught by unique keys).
        onCreateConnection: async (connection) => {
          await connection.executeQuery(CompiledQuery.raw("SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED"));
        },
      }),
    });
  },
  async ensureDatabaseExists(config) {
    const { createConnection } = await import("mysql2/promise");
    const conn = await createConnection({
      host: config.host,
      port: config.port,
      user: config.user,
      password: config.password,
      connectTimeout: 5000,
    });
    try {
      await conn.query(
        `CREATE DATABASE IF NOT EXISTS \`${config.database.replace(/`/g, "``")}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`,
      );
    } finally {
      await conn.end();
    }
  },
  supportsReturning: false,
  supportsForUpdate: true,
  insertIgnore: (qb: any) => qb.ignore(),
  upsert: (qb: any, _cols: string[], set: Record<string, unknown>) => qb.onDuplicateKeyUpdate(set),
  excluded: (column: string) => sql`values(${sql.ref(column)})`,
  isUniqueViolation: (err) => errorCode(err) === "ER_DUP_ENTRY",
  isRetryable: (err) => errorCode(err) === "ER_LOCK_DEADLOCK" || errorCode(err) === "ER_LOCK_WAIT_TIMEOUT",
  async search(db, scope, terms, limit, offset) {
    const indexed = terms.filter(innodbIndexes);
    if (indexed.length === 0) return [];
    const match = indexed.map((t) => `+${t}*`).join(" ");
    const { rows } = await sql<MessageRow>`select m.* from messages m ${scope}
          and match(m.content) against (${match} in boolean mode)
          order by match(m.content) against (${match} in boolean mode) desc, m.id desc limit ${limit} offset ${offset}`.execute(
      db,
    );
    return rows;
  },
  advanceCursors,
};

/**
 * No RETURNING on UPDATE. The rows are locked and read first, so which of them move (and to
 * where) is known exactly; then one UPDATE joined to the list moves them.
 */
async function advanceCursors(db: Kysely<Database>, chunk: CursorMove[]): Promise<CursorRow[]> {
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
