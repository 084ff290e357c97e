import type { Store } from "./database.js";

/** The blocks table (migration 013): one row per (blocker, blocked). */
export class BlocksRepo {
  constructor(private readonly store: Store) {}

  /** Records the block; a repeat changes nothing (the first block's time stays). */
  async block(blockerId: number, blockedId: number, now: number): Promise<void> {
    const { db, adapter } = this.store;
    const insert = db.insertInto("blocks").values({ blocker_id: blockerId, blocked_id: blockedId, created_at: now });
    await adapter.insertIgnore(insert, ["blocker_id", "blocked_id"]).execute();
  }

  /** How many users `blockerId` blocks. */
  async countBy(blockerId: number): Promise<number> {
    const row = await this.store.db
      .selectFrom("blocks")
      .select((eb) => eb.fn.countAll().as("n"))
      .where("blocker_id", "=", blockerId)
      .executeTakeFirst();
    return Number(row?.n ?? 0);
  }

  async unblock(blockerId: number, blockedId: number): Promise<void> {
    await this.store.db.deleteFrom("blocks").where("blocker_id", "=", blockerId).where("blocked_id", "=", blockedId).execute();
  }

  /** The users `blockerId` blocks, newest first (ties by id, so the order is stable). */
  listBy(blockerId: number): Promise<{ blocked_id: number; created_at: number }[]> {
    return this.store.db
      .selectFrom("blocks")
      .select(["blocked_id", "created_at"])
      .where("blocker_id", "=", blockerId)
      .orderBy("created_at", "desc")
      .orderBy("blocked_id", "desc")
      .execute();
  }

  /**
   * Everyone in a block with `userId`, either way (whom they block and who blocks them): the
   * set the send path caches per user. Two index ranges.
   */
  async pairsOf(userId: number): Promise<Set<number>> {
    const { db } = this.store;
    const [blocked, blockers] = await Promise.all([
      db.selectFrom("blocks").select("blocked_id as other").where("blocker_id", "=", userId).execute(),
      db.selectFrom("blocks").select("blocker_id as other").where("blocked_id", "=", userId).execute(),
    ]);
    return new Set([...blocked, ...blockers].map((r) => r.other));
  }

  /** Has `blockerId` blocked `blockedId` (one way only)? Notifications ask this (integrations §4). */
  async hasBlocked(blockerId: number, blockedId: number): Promise<boolean> {
    const row = await this.store.db
      .selectFrom("blocks")
      .select("blocker_id")
      .where("blocker_id", "=", blockerId)
      .where("blocked_id", "=", blockedId)
      .executeTakeFirst();
    return row !== undefined;
  }

  /** Of `userIds`, those who have blocked `senderId`: a message's notifications in one query. */
  async blockersAmong(userIds: readonly number[], senderId: number): Promise<Set<number>> {
    if (userIds.length === 0) return new Set();
    const rows = await this.store.db
      .selectFrom("blocks")
      .select("blocker_id")
      .where("blocked_id", "=", senderId)
      .where("blocker_id", "in", [...new Set(userIds)])
      .execute();
    return new Set(rows.map((r) => r.blocker_id));
  }

  /** Ends every block the user made or was the target of (erasure, integrations §1). */
  async removeAllOf(userId: number): Promise<void> {
    await this.store.db
      .deleteFrom("blocks")
      .where((eb) => eb.or([eb("blocker_id", "=", userId), eb("blocked_id", "=", userId)]))
      .execute();
  }
}
