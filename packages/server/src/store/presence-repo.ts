import type { Store } from "./database.js";

export interface StatusRow {
  user_id: number;
  status: "online" | "offline";
  last_seen: number | null;
}

export class PresenceRepo {
  constructor(private readonly store: Store) {}

  /** Moves last_seen of these online users to `now`: after a crash, it tells when they were last here. */
  async touch(userIds: number[], now: number): Promise<void> {
    for (let start = 0; start < userIds.length; start += 1000) {
      await this.store.db
        .updateTable("user_status")
        .set({ last_seen: now })
        .where("user_id", "in", userIds.slice(start, start + 1000))
        .where("status", "=", "online")
        .execute();
    }
  }

  /** Status of the given users, or of every known user; users never seen are offline. */
  async list(userIds?: number[]): Promise<StatusRow[]> {
    const query = this.store.db
      .selectFrom("users")
      .leftJoin("user_status", "user_status.user_id", "users.id")
      .select(["users.id as user_id", "user_status.status", "user_status.last_seen"])
      .orderBy("users.id");
    const rows: Awaited<ReturnType<typeof query.execute>> = [];
    if (userIds === undefined) {
      rows.push(...(await query.execute()));
    } else {
      // In chunks: every member of many large groups passes the drivers' parameter limits.
      for (let start = 0; start < userIds.length; start += 1000) {
        rows.push(...(await query.where("users.id", "in", userIds.slice(start, start + 1000)).execute()));
      }
    }
    return rows.map((r) => ({
      user_id: r.user_id,
      status: r.status === "online" ? "online" : "offline",
      last_seen: r.last_seen ?? null,
    }));
  }
}
