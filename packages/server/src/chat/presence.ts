import type { StatusUpdateFrame, UserStatus } from "@chatapp/protocol";
import type { Broker } from "../broker/broker.js";
import type { ConversationsRepo } from "../store/conversations-repo.js";
import type { PresenceRepo } from "../store/presence-repo.js";
import { Coalescer } from "./coalescer.js";
import { iso } from "./time.js";

/**
 * Online/offline. The gateway says when a user's first connection opens and last closes;
 * this records it and tells the users who share a conversation with them (not everyone:
 * the original's broadcast to all was O(N²) on a connect storm). Changes of one user are
 * applied in the order they happened.
 */
export class Presence {
  /**
   * Changes are written like messages: those arriving while a write is in flight go into the
   * next one, a user's latest change wins, and one statement records them all. Changes of one
   * user are applied in the order they happened.
   */
  // Spaced 25 ms apart: a connect storm's status changes share a few transactions.
  private readonly writes = new Coalescer<number, { status: "online" | "offline"; at: number }>(
    (changes) => this.write(changes),
    undefined,
    1000,
    25,
  );

  constructor(
    private readonly repo: PresenceRepo,
    private readonly conversations: ConversationsRepo,
    private readonly broker: Broker,
    private readonly onError: (err: unknown) => void,
  ) {}

  online(userId: number): Promise<void> {
    return this.change(userId, "online");
  }

  offline(userId: number): Promise<void> {
    return this.change(userId, "offline");
  }

  /** Marks users offline at once, without telling anyone (shutdown: every socket is closing). */
  async markOffline(userIds: number[]): Promise<void> {
    await this.writes.drain();
    await this.repo.setOffline(userIds, Date.now());
  }

  /** Refreshes last_seen of users online on this node (the gateway's heartbeat calls it). */
  async touch(userIds: number[]): Promise<void> {
    if (userIds.length === 0) return;
    try {
      await this.repo.touch(userIds, Date.now());
    } catch (err) {
      this.onError(err);
    }
  }

  /**
   * At start-up of a single node, nobody can be connected yet: users left "online" by a crash
   * are offline, with the last_seen the heartbeat last wrote. (A cluster will track this per
   * node instead.)
   */
  resetAfterRestart(): Promise<number> {
    return this.repo.resetOnline();
  }

  async statuses(userIds?: number[]): Promise<UserStatus[]> {
    // Changes already announced may still be waiting for their spaced write.
    await this.writes.settled();
    const rows = await this.repo.list(userIds);
    return rows.map((r) => ({
      user_id: r.user_id,
      status: r.status,
      last_seen: r.last_seen === null ? null : iso(r.last_seen),
    }));
  }

  private change(userId: number, status: "online" | "offline"): Promise<void> {
    return this.writes.add(userId, { status, at: Date.now() }).catch((err) => this.onError(err));
  }

  /** One statement for every change, then each user's contacts hear of it. */
  private async write(changes: Map<number, { status: "online" | "offline"; at: number }>): Promise<void> {
    const list = [...changes].map(([userId, c]) => ({ userId, ...c }));
    await this.repo.setMany(list);
    const contacts = await this.conversations.contactsOf(list.map((c) => c.userId));
    for (const c of list) {
      const to = contacts.get(c.userId) ?? [];
      if (to.length === 0) continue;
      const frame: StatusUpdateFrame = {
        type: "status_update",
        sender_id: c.userId,
        user_id: c.userId,
        status: c.status,
        last_seen: iso(c.at),
      };
      this.broker.publish({ userIds: to, frame: JSON.stringify(frame) });
    }
  }
}
