import type { StatusUpdateFrame, UserStatus } from "@chatapp/protocol";
import type { Broker } from "../broker/broker.js";
import { Coalescer } from "../lib/coalescer.js";
import { iso } from "../lib/time.js";
import type { ConversationsRepo } from "../store/conversations-repo.js";
import type { LocalChange, NodePresenceRepo, StatusChange } from "../store/node-presence-repo.js";
import type { PresenceRepo } from "../store/presence-repo.js";
import { PresenceThrottle } from "./presence-throttle.js";

/** How long a presence change whose contacts could not be read waits before it is said again. */
const RETRY_MS = 1000;

export interface PresenceOptions {
  /** This node's id (a fresh one per process). */
  nodeId: string;
  /** How often the node records that it is alive. */
  heartbeatMs: number;
  /** A node silent this long is taken for dead: its users go offline. */
  nodeTimeoutMs: number;
  /**
   * No other node can be running (no cluster configured): nodes found at start-up are this
   * one's earlier lives, stopped without leaving (a crash), and are swept at once.
   */
  sole?: boolean;
  /**
   * Least time between two announcements of one user's status (0: no limit): a user who
   * flaps costs each contact at most one status_update per interval, and the last state
   * always follows.
   */
  announceIntervalMs?: number;
  /** This node took another for dead and took its users offline (worth a line in the log). */
  onSwept?: (node: { id: string; silentMs: number; users: number }) => void;
}

/**
 * Online/offline, across nodes. The gateway says when a user's first connection on this node
 * opens and its last one closes; the database records which nodes hold each user
 * (store/node-presence-repo.ts), and a user is online while any node does. When a user's
 * status as a whole changes, the users who share a conversation with them are told (not
 * everyone: the original's broadcast to all was O(N²) on a connect storm), on every node.
 *
 * Each node records a heartbeat; every node sweeps the nodes whose heartbeat stopped (killed,
 * cut off), taking their users offline with their last heartbeat as last_seen.
 */
export class Presence {
  /**
   * Changes are written like messages: those arriving while a write is in flight go into the
   * next one, a user's latest change wins, and one transaction records them all. Spaced 25 ms
   * apart, so a connect storm's changes share a few transactions.
   */
  private readonly writes = new Coalescer<number, { status: "online" | "offline"; at: number }>(
    (changes) => this.write(changes),
    undefined,
    1000,
    25,
  );
  private timer: NodeJS.Timeout | undefined;
  private localUsers: () => number[] = () => [];
  private beating: Promise<void> | undefined;
  /** The other nodes' last heartbeat values, and since when (this node's clock) each is unchanged. */
  private readonly heartbeats = new Map<string, { value: number; since: number }>();
  private readonly throttle: PresenceThrottle<StatusChange>;
  /** Changes the throttle let through, waiting for one query of their contacts. */
  private said: StatusChange[] = [];
  private publishing: Promise<void> | undefined;
  /** Changes whose contacts query failed, said again after RETRY_MS. */
  private retryBatch: StatusChange[] | undefined;
  private retry: NodeJS.Timeout | undefined;
  private leaving = false;

  constructor(
    private readonly repo: PresenceRepo,
    private readonly nodes: NodePresenceRepo,
    private readonly conversations: ConversationsRepo,
    private readonly broker: Broker,
    private readonly onError: (err: unknown) => void,
    private readonly options: PresenceOptions,
  ) {
    this.throttle = new PresenceThrottle(options.announceIntervalMs ?? 0, (_userId, change) => this.queue(change));
  }

  get nodeId(): string {
    return this.options.nodeId;
  }

  /**
   * Registers the node and starts its heartbeat and the sweep of dead nodes (at once too: a
   * crashed node's users wait for no one). `localUsers` lists the users connected here.
   */
  async start(localUsers: () => number[]): Promise<void> {
    this.localUsers = localUsers;
    await this.beat(this.options.sole === true);
    this.timer = setInterval(() => {
      this.beating ??= this.beat().finally(() => {
        this.beating = undefined;
      });
    }, this.options.heartbeatMs);
    this.timer.unref();
  }

  online(userId: number): Promise<void> {
    return this.change(userId, "online");
  }

  offline(userId: number): Promise<void> {
    return this.change(userId, "offline");
  }

  /**
   * The node stops: its users go offline (unless another node has them) and contacts are
   * told, then the node's row goes. Called before the broker closes.
   */
  async leave(): Promise<void> {
    this.leaving = true;
    clearTimeout(this.retry);
    clearInterval(this.timer);
    await this.beating;
    await this.writes.drain();
    await this.announce(await this.nodes.leave(this.options.nodeId, Date.now()));
    // Changes held back by the throttle go out before the broker closes.
    this.throttle.flush();
    await this.publishing;
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
   * What `viewerId` may see: their own status and their contacts' (the users who share a
   * conversation with them, as the frames go), or only `userId` among those. Anyone else is
   * left out, as if unknown: presence is not for strangers.
   */
  async statuses(viewerId: number, userId?: number): Promise<UserStatus[]> {
    // Changes already announced may still be waiting for their spaced write.
    await this.writes.settled();
    const rows = await this.repo.listVisibleTo(viewerId, userId);
    return rows.map((r) => ({
      user_id: r.user_id,
      status: r.status,
      last_seen: r.last_seen === null ? null : iso(r.last_seen),
    }));
  }

  private change(userId: number, status: "online" | "offline"): Promise<void> {
    return this.writes.add(userId, { status, at: Date.now() }).catch((err) => this.onError(err));
  }

  private async write(changes: Map<number, { status: "online" | "offline"; at: number }>): Promise<void> {
    const list: LocalChange[] = [...changes].map(([userId, c]) => ({ userId, ...c }));
    await this.announce(await this.nodes.apply(this.options.nodeId, list));
  }

  /** Heartbeat, and the sweep of nodes that stopped beating (or of every other node: `all`). */
  private async beat(all = false): Promise<void> {
    const now = Date.now();
    try {
      if (!(await this.nodes.heartbeat(this.options.nodeId, now))) {
        // Taken for dead (cut off from the database for a while) and swept: say again who is
        // here, through the same queue as every change, so a user leaving meanwhile wins.
        for (const userId of this.localUsers()) void this.change(userId, "online");
      }
      // A node is dead when its heartbeat has not changed for the timeout, by this node's
      // clock: the nodes' clocks are never compared, so a node whose clock lags is not swept.
      const nodes = (await this.nodes.all()).filter((n) => n.id !== this.options.nodeId);
      for (const node of nodes) {
        const seen = this.heartbeats.get(node.id);
        if (!all && (seen === undefined || seen.value !== node.heartbeat_at)) {
          this.heartbeats.set(node.id, { value: node.heartbeat_at, since: now });
          continue;
        }
        if (all || now - (seen?.since ?? now) >= this.options.nodeTimeoutMs) {
          const changed = await this.nodes.sweep(node);
          if (changed.length > 0)
            this.options.onSwept?.({ id: node.id, silentMs: now - (seen?.since ?? now), users: changed.length });
          await this.announce(changed);
          this.heartbeats.delete(node.id);
        }
      }
      for (const id of this.heartbeats.keys()) if (!nodes.some((n) => n.id === id)) this.heartbeats.delete(id);
    } catch (err) {
      this.onError(err);
    }
  }

  /** Tells each changed user's contacts, on every node, as the throttle allows. */
  private async announce(changed: StatusChange[]): Promise<void> {
    for (const c of changed) this.throttle.change(c.userId, c);
    await this.publishing;
  }

  /** Queued in this turn, published in the next: a storm's changes share one contacts query. */
  private queue(change: StatusChange): void {
    // A newer change of the user makes a failed older one waiting for its retry moot.
    if (this.retryBatch) this.retryBatch = this.retryBatch.filter((c) => c.userId !== change.userId);
    this.said.push(change);
    this.publishing ??= Promise.resolve().then(() => this.publishSaid());
  }

  private async publishSaid(): Promise<void> {
    let batch: StatusChange[] = [];
    try {
      while (this.said.length > 0) {
        batch = this.said.splice(0);
        const contacts = await this.conversations.contactsOf([...new Set(batch.map((c) => c.userId))]);
        for (const c of batch) {
          const to = contacts.get(c.userId) ?? [];
          if (to.length === 0) continue;
          const frame: StatusUpdateFrame = {
            type: "status_update",
            sender_id: c.userId,
            user_id: c.userId,
            status: c.status,
            last_seen: iso(c.lastSeen),
          };
          this.broker.publish({ userIds: to, frame: JSON.stringify(frame) });
        }
      }
    } catch (err) {
      this.onError(err);
      this.sayAgainLater(batch);
    } finally {
      this.publishing = undefined;
      // Changes queued while a failed query ran would otherwise wait for an unrelated change.
      if (this.said.length > 0) this.publishing = Promise.resolve().then(() => this.publishSaid());
    }
  }

  /**
   * The contacts query failed (storage away): the batch is said again a second later, so the
   * last state still reaches the contacts, unless a newer change of the user comes first.
   * Once the node is leaving nothing is retried.
   */
  private sayAgainLater(batch: StatusChange[]): void {
    if (this.leaving || batch.length === 0) return;
    clearTimeout(this.retry);
    const waiting = new Map([...(this.retryBatch ?? []), ...batch].map((c) => [c.userId, c]));
    this.retryBatch = [...waiting.values()];
    this.retry = setTimeout(() => {
      const again = this.retryBatch ?? [];
      this.retryBatch = undefined;
      if (this.leaving || again.length === 0) return;
      this.said.unshift(...again);
      this.publishing ??= Promise.resolve().then(() => this.publishSaid());
    }, RETRY_MS);
    this.retry.unref();
  }
}
