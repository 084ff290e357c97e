import type { Store } from "./database.js";
import type { ApiKeyRow } from "./schema.js";

/** An API key as listed: never its text, which is kept nowhere, nor its hash. */
export type ApiKeyInfo = Pick<ApiKeyRow, "id" | "name" | "created_at" | "last_used_at" | "revoked_at">;

const INFO = ["id", "name", "created_at", "last_used_at", "revoked_at"] as const;

/** The `api_keys` table (migration 014). */
export class ApiKeysRepo {
  constructor(private readonly store: Store) {}

  /** Stores a key by its hash; undefined when the name is taken (revoked keys keep theirs). */
  async create(name: string, hash: string, now = Date.now()): Promise<ApiKeyInfo | undefined> {
    const { db, adapter } = this.store;
    try {
      await db.insertInto("api_keys").values({ name, hash, created_at: now }).execute();
    } catch (err) {
      if (adapter.isUniqueViolation(err)) return undefined;
      throw err;
    }
    return db.selectFrom("api_keys").select(INFO).where("name", "=", name).executeTakeFirst();
  }

  list(): Promise<ApiKeyInfo[]> {
    return this.store.db.selectFrom("api_keys").select(INFO).orderBy("id").execute();
  }

  /** The key with this hash, unless revoked. */
  findActiveByHash(hash: string): Promise<Pick<ApiKeyRow, "id" | "name"> | undefined> {
    return this.store.db
      .selectFrom("api_keys")
      .select(["id", "name"])
      .where("hash", "=", hash)
      .where("revoked_at", "is", null)
      .executeTakeFirst();
  }

  /** Revokes the key named `nameOrId` (a name first, then an id); the key, or undefined when none matched. */
  async revoke(nameOrId: string, now = Date.now()): Promise<ApiKeyInfo | undefined> {
    const { db } = this.store;
    let key = await db.selectFrom("api_keys").select(INFO).where("name", "=", nameOrId).executeTakeFirst();
    if (!key && /^\d{1,15}$/.test(nameOrId)) {
      key = await db.selectFrom("api_keys").select(INFO).where("id", "=", Number(nameOrId)).executeTakeFirst();
    }
    if (!key) return undefined;
    if (key.revoked_at === null) {
      await db
        .updateTable("api_keys")
        .set({ revoked_at: now })
        .where("id", "=", key.id)
        .where("revoked_at", "is", null)
        .execute();
      key = { ...key, revoked_at: now };
    }
    return key;
  }

  async touch(id: number, now = Date.now()): Promise<void> {
    await this.store.db.updateTable("api_keys").set({ last_used_at: now }).where("id", "=", id).execute();
  }
}
