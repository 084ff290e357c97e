import { sql } from "kysely";
import type { Store } from "./database.js";
import { takeLocalUserId } from "./local-user-ids.js";
import { appendEvents, userData } from "./outbox.js";
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

  /** Of `ids`, the users that exist: an id being erased (marked, its row not gone yet) does not. */
  async existingIds(ids: number[]): Promise<Set<number>> {
    if (ids.length === 0) return new Set();
    const rows = await this.store.db
      .selectFrom("users")
      .select("id")
      .where("id", "in", ids)
      .where(({ not, exists, selectFrom }) =>
        not(exists(selectFrom("erased_users").select("erased_users.user_id").whereRef("erased_users.user_id", "=", "users.id"))),
      )
      .execute();
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
          await appendEvents(trx, [
            {
              type: "user.created",
              conversationId: null,
              data: userData({ id, username: input.username, display_name: input.displayName }),
            },
          ]);
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
   * provisioning), in one transaction. Safe to call concurrently from several requests and
   * nodes. Their ids never move where local accounts take theirs (local-user-ids.ts). Each
   * user actually created gets one `user.created` webhook event, committed with its row.
   */
  async ensureExists(ids: number[]): Promise<void> {
    if (ids.length === 0) return;
    const { db, adapter } = this.store;
    for (let attempt = 1; ; attempt++) {
      try {
        await db.transaction().execute(async (trx) => {
          const now = Date.now();
          const insert = adapter.insertIgnore(trx.insertInto("users").values(ids.map((id) => ({ id, created_at: now }))), ["id"]);
          let created: number[];
          if (adapter.supportsReturning) {
            // ON CONFLICT DO NOTHING RETURNING answers exactly the rows this statement inserted.
            created = (await insert.returning("id").execute()).map((r) => r.id);
          } else {
            // MySQL: lock the ids (gaps included) first, so a concurrent provisioning waits or
            // deadlocks (tried again) rather than both taking the same id for new.
            const present = await trx.selectFrom("users").select("id").where("id", "in", ids).forUpdate().execute();
            const have = new Set(present.map((r) => r.id));
            await insert.execute();
            created = [...new Set(ids)].filter((id) => !have.has(id));
          }
          await appendEvents(
            trx,
            created.map((id) => ({
              type: "user.created" as const,
              conversationId: null,
              data: userData({ id, username: null, display_name: null }),
            })),
          );
        });
        return;
      } catch (err) {
        if (!adapter.isRetryable(err) || attempt >= 3) throw err;
      }
    }
  }
}
