import { MAX_USER_ID } from "@chatapp/protocol";
import type { Kysely, Transaction } from "kysely";
import type { DialectAdapter } from "./dialects/index.js";
import type { Database } from "./schema.js";

/**
 * Where local accounts get their ids: a counter of their own (table `local_user_ids`,
 * migration 005), never "above the highest id", so ids provisioned from outside, which may be
 * anywhere up to MAX_USER_ID, cannot push local accounts out of the range tokens may carry.
 * Ids provisioned next to the counter are stepped over.
 */

/** How many ids in [lo, hi) are taken. */
export type CountTaken = (lo: number, hi: number) => Promise<number>;

/** The first window over a run of taken ids; each next one is twice as wide. */
const FIRST_WINDOW = 1024;

/**
 * The smallest id >= `from` that is not taken. One query when `from` is free (the usual
 * case); over a run of N taken ids, about 2·log2(N) range counts on the primary key, so
 * however many ids someone provisioned ahead of the counter, the search stays short.
 */
export async function firstFreeId(from: number, countTaken: CountTaken): Promise<number> {
  let lo = from;
  let width = 1;
  while ((await countTaken(lo, lo + width)) === width) {
    lo += width;
    if (lo > MAX_USER_ID) return lo;
    width = width === 1 ? FIRST_WINDOW : width * 2;
  }
  // [lo, lo + width) holds a free id: halve the window until it is that id.
  while (width > 1) {
    const half = Math.floor(width / 2);
    if ((await countTaken(lo, lo + half)) === half) {
      lo += half;
      width -= half;
    } else {
      width = half;
    }
  }
  return lo;
}

async function countIds(db: Kysely<Database>, lo: number, hi: number): Promise<number> {
  const row = await db
    .selectFrom("users")
    .select((eb) => eb.fn.countAll().as("n"))
    .where("id", ">=", lo)
    .where("id", "<", hi)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/**
 * Inside `trx`: takes the next free local id, with the counter's row locked until commit so
 * that registrations on every node take ids one after the other, and moves the counter to it.
 * The caller inserts the user in the same transaction; an id provisioned meanwhile makes that
 * insert fail on the primary key, and the whole registration is simply tried again.
 */
export async function takeLocalUserId(
  trx: Transaction<Database>,
  adapter: Pick<DialectAdapter, "supportsForUpdate">,
): Promise<number> {
  let query = trx.selectFrom("local_user_ids").select("last_id").where("id", "=", 1);
  if (adapter.supportsForUpdate) query = query.forUpdate();
  const { last_id } = await query.executeTakeFirstOrThrow();
  const id = await firstFreeId(Number(last_id) + 1, (lo, hi) => countIds(trx, lo, hi));
  if (id > MAX_USER_ID) throw new Error(`no local user id is left below ${MAX_USER_ID}`);
  await trx.updateTable("local_user_ids").set({ last_id: id }).where("id", "=", 1).execute();
  return id;
}
