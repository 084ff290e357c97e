import type { StatusUpdateFrame, UserStatus } from "@chatapp/protocol";
import type { Broker } from "../broker/broker.js";
import type { ConversationsRepo } from "../store/conversations-repo.js";
import type { PresenceRepo } from "../store/presence-repo.js";
import { iso } from "./time.js";

/**
 * Online/offline. The gateway says when a user's first connection opens and last closes;
 * this records it and tells the users who share a conversation with them (not everyone:
 * the original's broadcast to all was O(N²) on a connect storm). Changes of one user are
 * applied in the order they happened.
 */
export class Presence {
  private readonly chains = new Map<number, Promise<void>>();

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
    await Promise.all([...this.chains.values()]);
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
    const rows = await this.repo.list(userIds);
    return rows.map((r) => ({
      user_id: r.user_id,
      status: r.status,
      last_seen: r.last_seen === null ? null : iso(r.last_seen),
    }));
  }

  private change(userId: number, status: "online" | "offline"): Promise<void> {
    const previous = this.chains.get(userId) ?? Promise.resolve();
    const next = previous.then(async () => {
      try {
        const now = Date.now();
        await this.repo.set(userId, status, now);
        const contacts = await this.conversations.contactsOf(userId);
        if (contacts.length === 0) return;
        const frame: StatusUpdateFrame = {
          type: "status_update",
          sender_id: userId,
          user_id: userId,
          status,
          last_seen: iso(now),
        };
        this.broker.publish({ userIds: contacts, frame: JSON.stringify(frame) });
      } catch (err) {
        this.onError(err);
      }
    });
    this.chains.set(userId, next);
    void next.then(() => {
      if (this.chains.get(userId) === next) this.chains.delete(userId);
    });
    return next;
  }
}
