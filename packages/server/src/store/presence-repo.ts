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

  /**
   * Status of the viewer and of everyone who shares a conversation with them (only `userId`
   * among them, when given): the same users whose changes reach the viewer as frames.
   */
  async listVisibleTo(viewerId: number, userId?: number): Promise<StatusRow[]> {
    let query = this.store.db
      .selectFrom("users")
      .leftJoin("user_status", "user_status.user_id", "users.id")
      .select(["users.id as user_id", "user_status.status", "user_status.last_seen"])
      .where((eb) =>
        eb.or([
          eb("users.id", "=", viewerId),
          eb(
            "users.id",
            "in",
            eb
              .selectFrom("members as mine")
              .innerJoin("members as other", "other.conversation_id", "mine.conversation_id")
              .select("other.user_id")
              .where("mine.user_id", "=", viewerId),
          ),
        ]),
      )
      .orderBy("users.id");
    if (userId !== undefined) query = query.where("users.id", "=", userId);
    return (await query.execute()).map(toStatusRow);
  }

  /** Status of the given users; users never seen are offline. */
  async list(userIds: number[]): Promise<StatusRow[]> {
    const query = this.store.db
      .selectFrom("users")
      .leftJoin("user_status", "user_status.user_id", "users.id")
      .select(["users.id as user_id", "user_status.status", "user_status.last_seen"])
      .orderBy("users.id");
    const rows: Awaited<ReturnType<typeof query.execute>> = [];
    // In chunks: every member of many large groups passes the drivers' parameter limits.
    for (let start = 0; start < userIds.length; start += 1000) {
      rows.push(...(await query.where("users.id", "in", userIds.slice(start, start + 1000)).execute()));
    }
    return rows.map(toStatusRow);
  }
}

function toStatusRow(r: { user_id: number; status: string | null; last_seen: number | null }): StatusRow {
  return { user_id: r.user_id, status: r.status === "online" ? "online" : "offline", last_seen: r.last_seen ?? null };
}
