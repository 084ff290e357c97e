import type { Transaction } from "kysely";
import type { Store } from "./database.js";
import type { Database } from "./schema.js";

export type Status = "online" | "offline";

/** A user's status as a whole changed: what their contacts are told. */
export interface StatusChange {
  userId: number;
  status: Status;
  lastSeen: number;
}

/** A change on one node: its first connection of the user opened, or its last one closed. */
export interface LocalChange {
  userId: number;
  status: Status;
  at: number;
}

const CHUNK = 1000;

/**
 * Presence across nodes (migration 004). A user is online while any node has a row for
 * them in `node_users`. Each change is one transaction that locks the users' status rows
 * first, so two nodes changing the same user take turns and the last one to commit sees
 * both changes: the status stored is always what the rows say.
 */
export class NodePresenceRepo {
  constructor(private readonly store: Store) {}

  /**
   * Records this node's heartbeat. False when its row was gone (other nodes took it for
   * dead and swept its users): the caller must register its users again.
   */
  async heartbeat(nodeId: string, now: number): Promise<boolean> {
    const { db, adapter } = this.store;
    const updated = await db.updateTable("nodes").set({ heartbeat_at: now }).where("id", "=", nodeId).executeTakeFirst();
    if (Number(updated.numUpdatedRows) > 0) return true;
    await adapter
      .insertIgnore(db.insertInto("nodes").values({ id: nodeId, started_at: now, heartbeat_at: now }), ["id"])
      .execute();
    return false;
  }

  /** Applies one node's changes; returns the users whose status as a whole changed. */
  apply(nodeId: string, changes: LocalChange[]): Promise<StatusChange[]> {
    if (changes.length === 0) return Promise.resolve([]);
    return this.retrying((trx) => this.applyIn(trx, nodeId, changes));
  }

  /** Every registered node and its last heartbeat. */
  all(): Promise<{ id: string; heartbeat_at: number }[]> {
    return this.store.db.selectFrom("nodes").select(["id", "heartbeat_at"]).execute();
  }

  /**
   * Takes a dead node's users offline, their last_seen its last heartbeat, and forgets the
   * node. Several nodes may sweep at once: only the one that deletes the node's row does it.
   */
  sweep(node: { id: string; heartbeat_at: number }): Promise<StatusChange[]> {
    return this.retrying(async (trx) => {
      const claimed = await trx
        .deleteFrom("nodes")
        .where("id", "=", node.id)
        .where("heartbeat_at", "=", node.heartbeat_at)
        .executeTakeFirst();
      if (Number(claimed.numDeletedRows) === 0) return [];
      return this.leaveIn(trx, node.id, node.heartbeat_at);
    });
  }

  /** A node stopping: all its users go offline (where no other node has them), then its row. */
  leave(nodeId: string, now: number): Promise<StatusChange[]> {
    return this.retrying(async (trx) => {
      const changed = await this.leaveIn(trx, nodeId, now);
      await trx.deleteFrom("nodes").where("id", "=", nodeId).execute();
      return changed;
    });
  }

  private async leaveIn(trx: Transaction<Database>, nodeId: string, at: number): Promise<StatusChange[]> {
    const users = await trx.selectFrom("node_users").select("user_id").where("node_id", "=", nodeId).execute();
    const changed: StatusChange[] = [];
    for (let start = 0; start < users.length; start += CHUNK) {
      const chunk = users.slice(start, start + CHUNK).map((u) => ({ userId: u.user_id, status: "offline" as const, at }));
      changed.push(...(await this.applyIn(trx, nodeId, chunk)));
    }
    return changed;
  }

  private async applyIn(trx: Transaction<Database>, nodeId: string, changes: LocalChange[]): Promise<StatusChange[]> {
    const { adapter } = this.store;
    const out: StatusChange[] = [];
    for (let start = 0; start < changes.length; start += CHUNK) {
      const chunk = changes.slice(start, start + CHUNK);
      const ids = [...new Set(chunk.map((c) => c.userId))].sort((a, b) => a - b);
      // 1. Lock the users' status rows (created if missing), in id order so that two nodes
      //    locking overlapping sets cannot deadlock.
      await adapter
        .insertIgnore(
          trx.insertInto("user_status").values(ids.map((id) => ({ user_id: id, status: "offline", last_seen: null }))),
          ["user_id"],
        )
        .execute();
      let current = trx.selectFrom("user_status").select(["user_id", "status"]).where("user_id", "in", ids).orderBy("user_id");
      if (adapter.supportsForUpdate) current = current.forUpdate();
      const before = new Map((await current.execute()).map((r) => [r.user_id, r.status]));
      // 2. This node's rows.
      const online = chunk.filter((c) => c.status === "online").map((c) => ({ node_id: nodeId, user_id: c.userId }));
      const offline = chunk.filter((c) => c.status === "offline").map((c) => c.userId);
      if (online.length > 0)
        await adapter.insertIgnore(trx.insertInto("node_users").values(online), ["node_id", "user_id"]).execute();
      if (offline.length > 0) {
        await trx.deleteFrom("node_users").where("node_id", "=", nodeId).where("user_id", "in", offline).execute();
      }
      // 3. Online anywhere?
      const anywhere = new Set(
        (await trx.selectFrom("node_users").select("user_id").distinct().where("user_id", "in", ids).execute()).map(
          (r) => r.user_id,
        ),
      );
      for (const c of chunk) {
        const status: Status = anywhere.has(c.userId) ? "online" : "offline";
        if (before.get(c.userId) === status) continue;
        before.set(c.userId, status);
        out.push({ userId: c.userId, status, lastSeen: c.at });
      }
    }
    if (out.length > 0) {
      await adapter
        .upsert(
          trx.insertInto("user_status").values(out.map((c) => ({ user_id: c.userId, status: c.status, last_seen: c.lastSeen }))),
          ["user_id"],
          { status: adapter.excluded("status"), last_seen: adapter.excluded("last_seen") },
        )
        .execute();
    }
    return out;
  }

  /** A deadlock between two nodes' changes is tried again. */
  private async retrying<T>(work: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.store.db.transaction().execute(work);
      } catch (err) {
        if (attempt >= 3 || !this.store.adapter.isRetryable(err)) throw err;
      }
    }
  }
}
