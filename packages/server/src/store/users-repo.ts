import { sql } from "kysely";
import type { Store } from "./database.js";
import type { UserRow } from "./schema.js";

export type PublicUser = Pick<UserRow, "id" | "username" | "display_name">;

const PUBLIC = ["id", "username", "display_name"] as const;

export class UsersRepo {
  constructor(private readonly store: Store) {}

  findById(id: number): Promise<PublicUser | undefined> {
    return this.store.db.selectFrom("users").select(PUBLIC).where("id", "=", id).executeTakeFirst();
  }

  async existingIds(ids: number[]): Promise<Set<number>> {
    if (ids.length === 0) return new Set();
    const rows = await this.store.db.selectFrom("users").select("id").where("id", "in", ids).execute();
    return new Set(rows.map((r) => r.id));
  }

  findCredentials(username: string): Promise<Pick<UserRow, "id" | "username" | "display_name" | "password_hash"> | undefined> {
    return this.store.db
      .selectFrom("users")
      .select([...PUBLIC, "password_hash"])
      .where("username", "=", username)
      .executeTakeFirst();
  }

  /** Creates an account; undefined when the username is taken. */
  async create(input: { username: string; displayName: string; passwordHash: string }): Promise<PublicUser | undefined> {
    const { db, adapter } = this.store;
    const values = {
      username: input.username,
      display_name: input.displayName,
      password_hash: input.passwordHash,
      created_at: Date.now(),
    };
    try {
      let id: number;
      if (adapter.supportsReturning) {
        id = (await db.insertInto("users").values(values).returning("id").executeTakeFirstOrThrow()).id;
      } else {
        id = Number((await db.insertInto("users").values(values).executeTakeFirstOrThrow()).insertId);
      }
      return { id, username: input.username, display_name: input.displayName };
    } catch (err) {
      if (adapter.isUniqueViolation(err)) return undefined;
      throw err;
    }
  }

  /**
   * Makes sure a user row exists for an id taken from a token minted elsewhere (first-use
   * provisioning). Safe to call concurrently from several requests and nodes.
   */
  async ensureExists(id: number): Promise<void> {
    const { db, adapter } = this.store;
    const result = await adapter
      .insertIgnore(db.insertInto("users").values({ id, created_at: Date.now() }), ["id"])
      .executeTakeFirst();
    if (adapter.name === "postgres" && Number(result.numInsertedOrUpdatedRows ?? 0) > 0) {
      // An explicit id does not move PostgreSQL's sequence; move it past, so a later
      // registration does not draw an id that is already taken.
      await sql`select setval(pg_get_serial_sequence('users', 'id'), greatest((select max(id) from users), 1))`.execute(db);
    }
  }
}
