import type { Store } from "./database.js";

/** Ids per IN list: stays under every driver's parameter limit. */
const LOOKUP_CHUNK = 1000;

/** The push_subscriptions table (migration 017): browsers' Web Push subscriptions, per user. */
export class PushSubscriptionsRepo {
  constructor(private readonly store: Store) {}

  /** The subscription ids of each of `userIds` that has any (a chunk of users per query). */
  async idsByUser(userIds: readonly number[]): Promise<Map<number, number[]>> {
    const byUser = new Map<number, number[]>();
    const unique = [...new Set(userIds)];
    for (let start = 0; start < unique.length; start += LOOKUP_CHUNK) {
      const rows = await this.store.db
        .selectFrom("push_subscriptions")
        .select(["id", "user_id"])
        .where("user_id", "in", unique.slice(start, start + LOOKUP_CHUNK))
        .orderBy("id")
        .execute();
      for (const r of rows) {
        const userId = Number(r.user_id);
        const list = byUser.get(userId);
        if (list) list.push(Number(r.id));
        else byUser.set(userId, [Number(r.id)]);
      }
    }
    return byUser;
  }
}
