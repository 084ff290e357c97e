import { sql } from "kysely";
import type { Store } from "./database.js";
import { takeLocalUserId } from "./local-user-ids.js";
import type { UserRow } from "./schema.js";
import { searchName } from "./search-name.js";

export type PublicUser = Pick<UserRow, "id" | "username" | "display_name"> & { bot: boolean };

const PUBLIC = ["id", "username", "display_name", "bot"] as const;

/** `bot` is an integer column (0/1) in every dialect. */
function publicUser(row: Pick<UserRow, (typeof PUBLIC)[number]>): PublicUser {
  return { id: row.id, username: row.username, display_name: row.display_name, bot: Number(row.bot) === 1 };
}

export class UsersRepo {
  constructor(private readonly store: Store) {}

  async findById(id: number): Promise<PublicUser | undefined> {
    const row = await this.store.db.selectFrom("users").select(PUBLIC).where("id", "=", id).executeTakeFirst();
    return row && publicUser(row);
  }

  async existingIds(ids: number[]): Promise<Set<number>> {
    if (ids.length === 0) return new Set();
    const rows = await this.store.db.selectFrom("users").select("id").where("id", "in", ids).execute();
    return new Set(rows.map((r) => r.id));
  }

  /**
   * Users whose username or display name contains `text` (ignoring case), by username. Users
   * known only by id (provisioned from a token) have neither and are not listed.
   */
  async search(text: string, limit: number, offset: number): Promise<PublicUser[]> {
    // "!" escapes LIKE's wildcards: one escape character every dialect accepts as written.
    const pattern = `%${text
      .normalize("NFC")
      .toLowerCase()
      .replace(/[!%_]/g, (c) => `!${c}`)}%`;
    const rows = await this.store.db
      .selectFrom("users")
      .select(PUBLIC)
      .where(sql<boolean>`search_name like ${pattern} escape '!'`)
      .orderBy("username")
      .orderBy("id")
      .limit(limit)
      .offset(offset)
      .execute();
    return rows.map(publicUser);
  }

  async findCredentials(username: string): Promise<(PublicUser & Pick<UserRow, "password_hash">) | undefined> {
    const row = await this.store.db
      .selectFrom("users")
      .select([...PUBLIC, "password_hash"])
      .where("username", "=", username)
      .executeTakeFirst();
    return row && { ...publicUser(row), password_hash: row.password_hash };
  }

  /**
   * Creates an account, with an id from the local counter (see local-user-ids.ts); undefined
   * when the username is taken.
   */
  async create(input: { username: string; displayName: string; passwordHash: string }): Promise<PublicUser | undefined> {
    const { db, adapter } = this.store;
    const values = {
      username: input.username,
      display_name: input.displayName,
      password_hash: input.passwordHash,
      created_at: Date.now(),
      search_name: searchName(input.username, input.displayName),
    };
    for (let attempt = 1; ; attempt++) {
      try {
        const id = await db.transaction().execute(async (trx) => {
          const id = await takeLocalUserId(trx, adapter);
          await trx
            .insertInto("users")
            .values({ id, ...values })
            .execute();
          return id;
        });
        return { id, username: input.username, display_name: input.displayName, bot: false };
      } catch (err) {
        const unique = adapter.isUniqueViolation(err);
        if (!unique && !adapter.isRetryable(err)) throw err;
        if (unique && (await this.findCredentials(input.username))) return undefined;
        // The id, not the username, collided (provisioned meanwhile), or a deadlock: again.
        if (attempt >= 3) throw err;
      }
    }
  }

  /**
   * Makes sure user rows exist for ids taken from tokens minted elsewhere (first-use
   * provisioning), in one statement. Safe to call concurrently from several requests and nodes.
   * Their ids never move where local accounts take theirs (local-user-ids.ts).
   */
  async ensureExists(ids: number[]): Promise<void> {
    if (ids.length === 0) return;
    const { db, adapter } = this.store;
    const now = Date.now();
    await adapter.insertIgnore(db.insertInto("users").values(ids.map((id) => ({ id, created_at: now }))), ["id"]).execute();
  }
}
