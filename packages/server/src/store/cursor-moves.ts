import type { Kysely } from "kysely";
import type { CursorMove, CursorRow, DialectAdapter } from "./dialects/index.js";
import type { Database } from "./schema.js";

export type { CursorMove, CursorRow };

/** Moves per statement: 4 parameters each stays well under every driver's limit. */
const CHUNK = 500;

/**
 * Moves many members' cursors forward (never back) with one statement per chunk, each a
 * join against the list of moves, instead of one UPDATE per member: a receipt batch is a
 * handful of statements whatever its size. Returns the rows that moved, as stored after.
 * The database's own syntax for an update joined to a list differs in each dialect
 * (store/dialects/<name>.ts).
 */
export async function advanceCursors(db: Kysely<Database>, adapter: DialectAdapter, moves: CursorMove[]): Promise<CursorRow[]> {
  // Reading up to a message means it was delivered too.
  const normalized = moves.map((m) => ({ ...m, delivered: Math.max(m.delivered, m.read) }));
  const rows: CursorRow[] = [];
  for (let start = 0; start < normalized.length; start += CHUNK) {
    const chunk = normalized.slice(start, start + CHUNK);
    rows.push(...(await adapter.advanceCursors(db, chunk)));
  }
  return rows;
}
