import type { Store } from "./database.js";

/**
 * The server_keys table (migration 017): named values the whole cluster shares, made once.
 * The first node to insert a name wins; every node then reads the winner's row back, so two
 * nodes starting at once on an empty database end up with the same value.
 */
export class ServerKeysRepo {
  constructor(private readonly store: Store) {}

  /** The stored value of `name`, made with `make` and stored if there is none yet. */
  async getOrCreate(name: string, make: () => string): Promise<string> {
    const { db, adapter } = this.store;
    const existing = await this.get(name);
    if (existing !== undefined) return existing;
    await adapter
      .insertIgnore(db.insertInto("server_keys").values({ name, value: make(), created_at: Date.now() }), ["name"])
      .execute();
    const stored = await this.get(name);
    if (stored === undefined) throw new Error(`server key ${name} was neither inserted nor found`);
    return stored;
  }

  private async get(name: string): Promise<string | undefined> {
    const row = await this.store.db.selectFrom("server_keys").select("value").where("name", "=", name).executeTakeFirst();
    return row?.value;
  }
}
