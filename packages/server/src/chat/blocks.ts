import { type Block, MAX_BLOCKS_PER_USER, MAX_USER_ID } from "@chatapp/protocol";
import type { Broker } from "../broker/broker.js";
import { BoundedMap } from "../lib/bounded-map.js";
import { iso } from "../lib/time.js";
import { TtlCache } from "../lib/ttl-cache.js";
import type { BlocksRepo } from "../store/blocks-repo.js";
import type { UsersRepo } from "../store/users-repo.js";
import type { ActionBudgets } from "./action-budgets.js";
import { asChatError, ChatError } from "./errors.js";

/** Users whose block pairs one node keeps; the least recently used go first. */
const CACHED_USERS = 100_000;
/**
 * How long a cached set is trusted. Changes reach other nodes' caches at once through the
 * broker (`blocks_changed`), and a node that lost its link clears them (resync): this only
 * bounds how long a notice lost some other way could leave a stale answer.
 */
const CACHE_TTL_MS = 60_000;

/**
 * Blocking (integrations §3). While either of two users blocks the other, no direct message
 * passes between them and neither can open a direct conversation with the other; groups are
 * unaffected. `check` is on the send path of every direct message (socket, HTTP, and the
 * admin API's sends as a user), so it answers from a cache of each user's block pairs
 * (everyone they block or are blocked by): one query per user on a miss, none after.
 */
export class Blocks {
  private readonly pairs = new TtlCache<number, ReadonlySet<number>>(CACHED_USERS);
  /**
   * Bumped by every change to a user's blocks: a load that started before a change must not
   * put what it read back into the cache (the same rule as ConversationCache).
   */
  private readonly versions = new BoundedMap<number, number>(CACHED_USERS);
  /** Bumped by `clear`: no load that started before it is kept. */
  private epoch = 0;

  constructor(
    private readonly repo: BlocksRepo,
    private readonly users: UsersRepo,
    private readonly broker: Broker,
    /** Each block and unblock is a change that every node hears of (RATE_ACTIONS_PER_MINUTE). */
    private readonly budgets: ActionBudgets,
  ) {
    broker.onNotice((notice) => {
      if (notice.type === "blocks_changed") for (const id of notice.userIds) this.forget(id);
    });
    // Back from a break in the link to the other nodes: what they changed meanwhile is unknown.
    broker.onResync(() => this.clear());
  }

  /** `blockerId` blocks `blockedId`; a repeat is accepted and changes nothing. */
  async block(blockerId: number, blockedId: number): Promise<void> {
    if (blockedId === blockerId) throw new ChatError("invalid_request", "you cannot block yourself");
    await this.guard(async () => {
      if (blockedId > MAX_USER_ID || (await this.users.existingIds([blockedId])).size === 0) {
        throw new ChatError("not_found", `no user with id ${blockedId}`);
      }
      // A repeat changes nothing and costs nothing (asked of the database: a cache may lag).
      if (await this.repo.hasBlocked(blockerId, blockedId)) return;
      if ((await this.repo.countBy(blockerId)) >= MAX_BLOCKS_PER_USER) {
        throw new ChatError("conflict", `you can block at most ${MAX_BLOCKS_PER_USER} users`);
      }
      this.budgets.action(blockerId);
      await this.changed([blockerId, blockedId], () => this.repo.block(blockerId, blockedId, Date.now()));
    });
  }

  /** Lifts the block, if there is one (no block: nothing to do, and no error). */
  async unblock(blockerId: number, blockedId: number): Promise<void> {
    await this.guard(async () => {
      // Nothing to lift changes nothing and costs nothing (asked of the database: a cache may lag).
      if (!(await this.repo.hasBlocked(blockerId, blockedId))) return;
      this.budgets.action(blockerId);
      await this.changed([blockerId, blockedId], () => this.repo.unblock(blockerId, blockedId));
    });
  }

  /**
   * Ends every block the user is in, either way (erasure, integrations §1): the other users'
   * cached sets are dropped too, on every node.
   */
  async removeAllOf(userId: number): Promise<void> {
    await this.guard(async () => {
      const others = [...(await this.repo.pairsOf(userId))];
      await this.changed([userId, ...others], () => this.repo.removeAllOf(userId));
    });
  }

  /** The caller's own blocks, newest first. Who blocks the caller is never shown. */
  async list(userId: number): Promise<Block[]> {
    const rows = await this.guard(() => this.repo.listBy(userId));
    return rows.map((r) => ({ user_id: r.blocked_id, created_at: iso(Number(r.created_at)) }));
  }

  /**
   * Refuses (403 `forbidden`, socket `forbidden`) when either user blocks the other. The
   * message says no more than "you cannot send to this conversation": the blocked user is
   * not told they are blocked.
   */
  async check(userId: number, otherId: number): Promise<void> {
    if (await this.between(userId, otherId)) throw new ChatError("blocked");
  }

  /** Whether either of the two users blocks the other (from the cache). */
  async between(userId: number, otherId: number): Promise<boolean> {
    return (await this.pairsOf(userId)).has(otherId);
  }

  /** The users in a block with `userId`, either way. */
  async pairsOf(userId: number): Promise<ReadonlySet<number>> {
    const cached = this.pairs.get(userId);
    if (cached !== undefined) return cached;
    const version = this.versions.get(userId) ?? 0;
    const epoch = this.epoch;
    const loaded = await this.guard(() => this.repo.pairsOf(userId));
    if (this.epoch === epoch && (this.versions.get(userId) ?? 0) === version) this.pairs.set(userId, loaded, CACHE_TTL_MS);
    return loaded;
  }

  /** Forgets every cached set (changes made elsewhere may have been missed). */
  clear(): void {
    this.epoch++;
    this.pairs.clear();
  }

  /**
   * A change to the blocks of `userIds`: their cached sets are dropped before the write (no
   * send checked after it starts uses the old set) and again after it (a load that raced
   * the write is not kept), and the other nodes are told.
   */
  private async changed(userIds: number[], write: () => Promise<void>): Promise<void> {
    for (const id of userIds) this.forget(id);
    try {
      await write();
    } finally {
      for (const id of userIds) this.forget(id);
      this.broker.notify({ type: "blocks_changed", userIds });
    }
  }

  private forget(userId: number): void {
    this.bump(userId);
    this.pairs.delete(userId);
  }

  private bump(userId: number): void {
    this.versions.set(userId, (this.versions.get(userId) ?? 0) + 1);
  }

  private async guard<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (err) {
      throw asChatError(err);
    }
  }
}
